using Resync.Core.Errors;
using Resync.Core.Runs;

namespace Resync.Core.Storage;

/// <summary>
/// The wording of what the stores write into a run's history (and the error of a run whose process died), in one place so
/// that every store tells a person the same thing.
/// </summary>
public static class RunEventMessages
{
    public static string Parked(long incompleteId, IncompleteRunView incomplete) => incomplete.Status == IncompleteStatus.Scheduled
        ? $"Stopped partway; the remainder is incomplete run {incompleteId}, retried automatically at {incomplete.NextAttemptAt:u}."
        : $"Stopped partway; the remainder is incomplete run {incompleteId}, waiting for a person (resync incomplete show {incompleteId}).";

    public static string IncompleteClosed(long incompleteId, IncompleteStatus status, long? resolvedByRunId, string? note) => status == IncompleteStatus.Discarded
        ? $"Incomplete run {incompleteId} was discarded{(note is null ? "" : $": {note}")}; its remainder will not be processed."
        : $"Incomplete run {incompleteId} was processed by resume run {resolvedByRunId}.";

    /// <summary>The history entry of a run whose remainder was parked as incomplete run <paramref name="incompleteId"/>.</summary>
    public static RunEvent ParkedEntry(long incompleteId, IncompleteRunView incomplete) =>
        new(incomplete.RunId, incomplete.CreatedAt, RunEventKinds.Parked, Parked(incompleteId, incomplete));

    /// <summary>The history entry of run <paramref name="runId"/> when its incomplete run closed (<see cref="IncompleteStatusExtensions.IsClosed"/>).</summary>
    public static RunEvent IncompleteClosedEntry(long runId, long incompleteId, IncompleteStatus status, long? resolvedByRunId, string? note, DateTimeOffset at) =>
        new(runId, at, status == IncompleteStatus.Discarded ? RunEventKinds.Discarded : RunEventKinds.Resumed, IncompleteClosed(incompleteId, status, resolvedByRunId, note));

    /// <summary>An ancestor's entry when <paramref name="resolver"/> (e.g. "retry run 7") resolved every failure it had.</summary>
    public static string ResolvedByChain(RunStatus was, string resolver) =>
        $"Was {(was == RunStatus.CompletedWithErrors ? "Completed with errors" : was.ToString())}; now Succeeded: {resolver} resolved every failure.";

    /// <summary>What the incomplete run of a run whose process died says about it.</summary>
    public const string Crashed =
        "The process stopped (killed, or the machine went down) during this run: retrying this incomplete run processes the batches it cut and reads the pages it never read.";

    /// <summary>The system error of a run whose process died, with <paramref name="incomplete"/> records cut.</summary>
    public static ResyncError Interrupted(long incomplete, DateTimeOffset now) =>
        new(ErrorScope.System, ErrorType.Runtime, Durability.Ephemeral, ErrorCodes.Interrupted,
            "The process running this run stopped before the run finished.", null, [],
            incomplete > 0 ? $"{incomplete} records were being processed and are counted as incomplete; run the link again to process them." : "Run the link again.",
            now, 1);
}
