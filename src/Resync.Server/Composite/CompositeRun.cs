using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>
/// A batch or composite call as one run of kind Push of the pseudo-link <see cref="LinkId"/>, in the caller's tenant,
/// whose records are the call's subrequests. The run's one batch holds them all, and its target carries them out in
/// order (so <c>haltOnError</c> and references see each outcome before the next): each subrequest's outcome is its
/// record's outcome, and the call's failures are in run summaries, error groups and alerts like any other run's.
/// </summary>
internal sealed class CompositeRun(RunLauncher launcher)
{
    /// <summary>The pseudo-link of composite calls' runs; a link name cannot start with '_', so no link has this id.</summary>
    public const string LinkId = "_composite";

    /// <summary>What carries out the subrequests, given the call's run id and the run's cancellation token.</summary>
    public delegate Task<IReadOnlyList<CompositeResult>> Work(long runId, CancellationToken cancellationToken);

    public async Task<(long RunId, IReadOnlyList<CompositeResult> Results)> RunAsync(string tenant, IReadOnlyList<CompositeSubrequest> subrequests,
        string requestId, Work work)
    {
        var records = subrequests.Select(subrequest => subrequest.ToRecord()).ToList();
        var target = new SubrequestTarget(work);
        // Every subrequest is kept with its snapshot (at most 25); the caller has the answer, so nothing is replayed,
        // parked or retried by the server on its own, and the pseudo-link is never deactivated.
        var settings = new LinkSettings
        {
            BatchSize = records.Count,
            Parallelism = 1,
            LoggingLevel = LoggingLevel.All,
            AutomatedReplay = false,
            StoreIncompleteRuns = false,
            MaxConsecutiveErrors = int.MaxValue,
        };
        var link = new Link(LinkId, new PushSource().WithRecords(records), [], target, settings, tenant) { Trigger = new LinkTrigger(Manual: false, Push: true) };
        var run = await launcher.StartAsync(link, new RunRequest(RunKind.Push, "composite", null, requestId), CancellationToken.None);
        var result = await run.Completion;
        return (run.RunId, target.Results ?? [.. subrequests.Select(subrequest => new CompositeResult(subrequest.ReferenceId, false, 500, null,
            [new CompositeError(CompositeCodes.RunFailed, $"The call's run {run.RunId} stopped before it carried out the subrequests: {result.SystemError?.Message ?? result.Status.ToString()}", [])]))]);
    }

    /// <summary>Carries out the batch's subrequests; a failed one is a record issue with the subrequest's own error.</summary>
    private sealed class SubrequestTarget(Work work) : ITarget
    {
        public IReadOnlyList<CompositeResult>? Results { get; private set; }

        public async Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
        {
            Results = await work(batch.RunId, cancellationToken);
            return new TargetWriteResult([.. Results.Select((result, index) => (result, index)).Where(pair => !pair.result.Success)
                .Select(pair => new TargetRecordIssue(pair.index, Classify(pair.result)))]);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        private static ErrorClassification Classify(CompositeResult result)
        {
            var error = result.Errors.Count > 0 ? result.Errors[0] : new CompositeError($"HTTP_{result.StatusCode}", $"answered {result.StatusCode}", []);
            var message = string.Join("; ", result.Errors.Select(e => e.Message).DefaultIfEmpty(error.Message));
            if (result.Cause is { } cause)
                return new ErrorClassification(cause.Type, cause.Durability, error.ErrorCode, message, cause.Hint, error.Fields);
            // The subrequest's status is classified as any HTTP answer is; its code and hint stay the composite API's own.
            var status = ErrorClassifier.Default.ClassifyHttpStatus(result.StatusCode, null, null);
            return new ErrorClassification(status.Type, status.Durability, error.ErrorCode, message, HintFor(error.ErrorCode), error.Fields);
        }

        private static string HintFor(string code) => code switch
        {
            CompositeCodes.BatchProcessingHalted => "Not carried out: an earlier subrequest failed and haltOnError is true. Fix that one and send the rest again.",
            CompositeCodes.ProcessingHalted => "Not carried out, or undone: the subrequest it depends on (or, with allOrNone, another one) failed. Fix that one and send the call again.",
            CompositeCodes.NotFound => "Check the URL: a subrequest calls a link's records (POST /api/v1/links/{id}/records) or another /api/v1/… resource of the caller's tenant.",
            CompositeCodes.InvalidReference => "The reference names nothing in the earlier result: check the referenceId and the path after it.",
            _ => "Fix the subrequest as its error says and send it again.",
        };
    }
}
