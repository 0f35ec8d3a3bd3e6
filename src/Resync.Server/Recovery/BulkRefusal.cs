namespace Resync.Server.Recovery;

/// <summary>An incomplete run a bulk action left alone: its id, a problem code (<c>not-found</c>, <c>incomplete-closed</c>, <c>link-unknown</c>) and why.</summary>
public sealed record BulkRefusal(long Id, string Code, string Detail);
