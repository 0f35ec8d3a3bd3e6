using Resync.Server.Api;

namespace Resync.Server.Recovery;

/// <summary>An incomplete run with a page of its records.</summary>
public sealed record IncompleteRunDetail(IncompleteRunDocument IncompleteRun, Page<IncompleteRecordDocument> Records);
