namespace Resync.Core.Engine;

/// <summary>
/// What a worker in another process needs to know of the run a batch belongs to: the run, its link (the worker loads the
/// link by id and tenant) and the root of its recovery chain (for the link's error target).
/// </summary>
public sealed record RemoteRun(long RunId, string LinkId, string Tenant, long RootRunId);
