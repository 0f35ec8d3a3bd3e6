namespace Resync.Server;

/// <summary>The first answer to a request that carried an <c>Idempotency-Key</c>, replayed for repeats within the window.</summary>
/// <param name="Scope">Whose key space it is in (a tenant), so that two tenants' keys never meet.</param>
/// <param name="Key">The caller's Idempotency-Key.</param>
/// <param name="RequestHash">A hash of method, path and body: the same key with another request is refused.</param>
/// <param name="Status">The HTTP status of the first answer.</param>
/// <param name="Location">Its Location header, if any.</param>
/// <param name="Body">Its JSON body.</param>
/// <param name="CreatedAt">When it was first answered.</param>
public sealed record IdempotencyRecord(string Scope, string Key, string RequestHash, int Status, string? Location, string Body, DateTimeOffset CreatedAt);
