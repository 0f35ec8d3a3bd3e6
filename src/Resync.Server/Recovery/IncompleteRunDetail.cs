using Resync.Server.Api;

namespace Resync.Server.Recovery;

/// <summary>An incomplete run with a page of its records, and how many records it carries in all (<see cref="TotalRecords"/>).</summary>
public sealed record IncompleteRunDetail(IncompleteRunDocument IncompleteRun, Page<IncompleteRecordDocument> Records, int TotalRecords);
