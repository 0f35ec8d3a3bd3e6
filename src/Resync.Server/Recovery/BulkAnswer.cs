namespace Resync.Server.Recovery;

/// <summary>What a bulk action did: the incomplete runs it took (retried in turn, or discarded) and those it refused, with why.</summary>
public sealed record BulkAnswer(IReadOnlyList<long> Accepted, IReadOnlyList<BulkRefusal> Refused);
