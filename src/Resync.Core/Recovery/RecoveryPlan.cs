namespace Resync.Core.Recovery;

/// <summary>
/// What a recovery run (Retry, Replay, Resume) will carry, worked out before it starts, so that a person is
/// told plainly what can and cannot be retried.
/// </summary>
/// <param name="ParentRunId">The run whose failures are carried.</param>
/// <param name="Scope">Which failures.</param>
/// <param name="FailedBatches">Batches that failed as a whole: number and cursor.</param>
/// <param name="Records">Loose failed records that will be rebuilt from snapshots.</param>
/// <param name="NotRetriable">Failed records that cannot be carried (no snapshot: logging level None; or unreadable at the source).</param>
/// <param name="ResumeCursor">For a remainder: read the pages after this cursor (null: nothing to read, or the source cannot resume).</param>
/// <param name="CarriesAllFailures">Whether the run's success would mean every failure of the parent is fixed.</param>
public sealed record RecoveryPlan(
    long ParentRunId,
    RecoveryScope Scope,
    IReadOnlyList<(int Number, string? Cursor)> FailedBatches,
    long Records,
    long NotRetriable,
    string? ResumeCursor,
    bool CarriesAllFailures)
{
    /// <summary>
    /// For the remainder of a run that died with a batch number missing: its batches after the gap, by cursor with their
    /// number, which the resume takes again after <see cref="ResumeCursor"/> (<see cref="Runs.CrashedPull.ReadAgain"/>), so
    /// that none of them is fetched again or rebuilt as well. Empty for every other plan.
    /// </summary>
    public IReadOnlyDictionary<string, int> ReadAgain { get; init; } = new Dictionary<string, int>();

    /// <summary>The run that resolved the parent's chain already (its failures are fixed), or null.</summary>
    public long? ResolvedByRunId { get; init; }

    /// <summary>
    /// Why the parent should not be retried (its chain resolved: a retry would write its failures a second time), in words
    /// for the CLI, the API and <see cref="AlreadyResolvedException"/> alike, or null.
    /// </summary>
    public string? AlreadyResolved => ResolvedByRunId is not { } by ? null
        : $"Run {ParentRunId} is resolved already: run {by} resolved every failure of its chain, so retrying it would write its failed batches and records " +
          "a second time (an insert or POST target would get duplicates). To retry it anyway, force it (resync retry --force, or force=true in the API).";

    /// <summary>The open incomplete run holding the parent's remainder (it stopped partway), or null.</summary>
    public long? RemainderIncompleteId { get; init; }

    /// <summary>
    /// Why Retry Failures is the wrong tool for a run that stopped partway (it would not read the pages never read, yet
    /// could succeed), in words for the CLI, the API and the runner alike, or null.
    /// </summary>
    public string? WaitsAsIncomplete => RemainderIncompleteId is not { } id ? null
        : $"Run {ParentRunId} stopped partway: its remainder, the batches it cut and the pages it never read, is incomplete run {id}. " +
          $"Retry that instead (resync incomplete retry {id}, or POST /api/v1/incomplete-runs/{id}/retry): Retry Failures would not read the pages never read. " +
          "To retry only the failures anyway, force it (resync retry --force, or force=true in the API).";

    /// <summary>True when the run would carry nothing at all.</summary>
    public bool IsEmpty => FailedBatches.Count == 0 && Records == 0 && ResumeCursor is null;

    /// <summary>Why a retry of the run would carry nothing, in words (CLI, API and <see cref="NothingToRetryException"/> alike), or null.</summary>
    public string? NothingToRetry => !IsEmpty ? null
        : NotRetriable > 0 ? $"Run {ParentRunId} has nothing that can be retried. {Limitation}"
        : $"Run {ParentRunId} has no failures to retry.";

    /// <summary>Why some failures cannot be carried, in words, or null.</summary>
    public string? Limitation => NotRetriable == 0 ? null
        : $"{NotRetriable} failed record{(NotRetriable == 1 ? "" : "s")} cannot be retried one by one: no snapshot was kept (logging level None) or the source could not read them. " +
          "Failed batches are still fetched again; to retry single records, set settings.loggingLevel to errors (the default) or all.";
}
