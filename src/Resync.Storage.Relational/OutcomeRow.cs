using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>
/// A record outcome with its JSON already serialised: done on the caller's thread before the write is queued, so that SQLite's
/// single writer (and a PostgreSQL transaction) spends its time writing.
/// </summary>
internal readonly record struct OutcomeRow(RecordOutcome Outcome, string? Error, string? Warnings, string? Before, string? After)
{
    /// <summary>1 for a failed or incomplete record a retry can rebuild (<see cref="RecordView.Retriable"/>), else 0.</summary>
    public long Retriable => Outcome.Kind is OutcomeKind.Failed or OutcomeKind.Incomplete && RecordView.Retriable(Before, Outcome.Error) ? 1 : 0;

    /// <summary>1 for a failed or incomplete record whose error is durable (an automated replay of ephemeral failures leaves it), else 0.</summary>
    public long Durable => Outcome.Kind is OutcomeKind.Failed or OutcomeKind.Incomplete && Outcome.Error?.Durability == Durability.Durable ? 1 : 0;

    public static OutcomeRow[] From(IReadOnlyList<RecordOutcome> outcomes)
    {
        if (outcomes.Count == 0)
            return [];
        var rows = new OutcomeRow[outcomes.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var outcome = outcomes[i];
            rows[i] = new OutcomeRow(outcome, StoredJson.Error(outcome.Error), StoredJson.Warnings(outcome.Warnings),
                StoredJson.Fields(outcome.Snapshot?.Before), StoredJson.Fields(outcome.Snapshot?.After));
        }
        return rows;
    }
}
