using System.Globalization;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Sdk;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// Writes a run's failed records to the link's error target, batch by batch. The error target's own failures are
/// counted and kept (the run's history says so) but never fail the run: its records are in the run's failures anyway.
/// </summary>
internal sealed class DeadLetters(Link link, ErrorClassifier classifier, long runId, long rootRunId, TimeProvider clock)
{
    private int _failures;
    private string? _firstFailure;

    /// <summary>The first run of the run's recovery chain.</summary>
    public long RootRunId => rootRunId;

    /// <summary>Failed records the error target did not take.</summary>
    public int Failures => Volatile.Read(ref _failures);

    /// <summary>Why it failed the first time.</summary>
    public string? FirstFailure => Volatile.Read(ref _firstFailure);

    public async Task WriteAsync(BatchResult result)
    {
        if (link.ErrorTarget is not { } target)
            return;
        var letters = new List<Record>();
        foreach (var outcome in result.Outcomes)
        {
            if (outcome is { Kind: OutcomeKind.Failed, Error: { } error })
                letters.Add(Letter(result.BatchNumber, outcome, error));
        }
        if (letters.Count == 0)
            return;
        try
        {
            var written = await target.WriteAsync(new TargetBatch(link.Id, runId, result.BatchNumber, letters) { RootRunId = rootRunId }, CancellationToken.None);
            foreach (var issue in written.Issues)
                Failed(1, issue.Error is { } refused ? $"{refused.Code}: {refused.Message}" : $"ignored: {issue.IgnoreReason}");
        }
        catch (Exception exception)
        {
            var failure = classifier.Classify(exception).ToError(ErrorScope.Batch, clock.GetUtcNow(), "errorTarget");
            Failed(letters.Count, $"{failure.Code}: {failure.Message}");
        }
    }

    private void Failed(int records, string why)
    {
        Interlocked.Add(ref _failures, records);
        Interlocked.CompareExchange(ref _firstFailure, SecretText.Mask(why), null);
    }

    private Record Letter(int batch, RecordOutcome outcome, ResyncError error)
    {
        var id = outcome.Key is { } key
            ? $"{link.Id}/{rootRunId.ToString(CultureInfo.InvariantCulture)}/{key}"
            : $"{link.Id}/{runId.ToString(CultureInfo.InvariantCulture)}/{batch.ToString(CultureInfo.InvariantCulture)}/{outcome.Position.ToString(CultureInfo.InvariantCulture)}";
        return new Record(id, new Dictionary<string, object?>
        {
            [DeadLetter.Id] = id,
            [DeadLetter.Link] = link.Id,
            [DeadLetter.Tenant] = link.Tenant,
            [DeadLetter.Run] = runId,
            [DeadLetter.RootRun] = rootRunId,
            [DeadLetter.Batch] = (long)batch,
            [DeadLetter.Position] = (long)outcome.Position,
            [DeadLetter.Key] = outcome.Key,
            [DeadLetter.Attempt] = (long)error.Attempt,
            [DeadLetter.ErrorType] = error.Type.ToString(),
            [DeadLetter.ErrorCode] = error.Code,
            [DeadLetter.ErrorMessage] = error.Message,
            [DeadLetter.ErrorStep] = error.Step,
            [DeadLetter.ErrorFields] = string.Join(",", error.Fields),
            [DeadLetter.ErrorHint] = error.Hint,
            [DeadLetter.Before] = outcome.Snapshot is { } snapshot ? RecordJson.Serialize(snapshot.Before) : null,
            [DeadLetter.After] = outcome.Snapshot?.After is { } after ? RecordJson.Serialize(after) : null,
            [DeadLetter.FailedAt] = error.OccurredAt.ToString("O", CultureInfo.InvariantCulture),
        });
    }
}
