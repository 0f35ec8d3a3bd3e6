using Resync.Core.Records;

namespace Resync.Core.Sdk;

/// <summary>The records of one batch that passed every step, in batch order.</summary>
/// <param name="LinkId">The link.</param>
/// <param name="RunId">The run.</param>
/// <param name="BatchNumber">The batch's number in its run (1-based).</param>
/// <param name="Records">The records to write.</param>
public sealed record TargetBatch(string LinkId, long RunId, int BatchNumber, IReadOnlyList<Record> Records);
