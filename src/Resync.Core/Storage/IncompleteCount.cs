namespace Resync.Core.Storage;

/// <summary>How many open incomplete runs (Scheduled or Waiting) a link has.</summary>
public sealed record IncompleteCount(string LinkId, string Tenant, long Open);
