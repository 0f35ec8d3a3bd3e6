using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>Which runs to list.</summary>
public sealed record RunFilter(string? LinkId = null, string? Tenant = null, RunStatus? Status = null, int Offset = 0, int Limit = 50);
