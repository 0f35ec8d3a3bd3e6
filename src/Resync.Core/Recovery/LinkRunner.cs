using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Observability;
using Resync.Core.Policies;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Core.Recovery;

/// <summary>
/// Runs links and recovers them: the one place the CLI, the API, the scheduler and the dashboard go through.
/// After a run it replays failed records (automated replay), parks the remainder of a run that stopped partway
/// (incomplete runs), and keeps the link's health (backoff, consecutive errors, deactivation). It also carries
/// out the manual recoveries: Retry Failures (of a whole run or one error group), and retrying, editing and
/// discarding incomplete runs. Every recovery run links to its parent, and its success resolves the chain.
/// </summary>
public sealed class LinkRunner
{
    private readonly IRunStore _store;
    private readonly IRunQueries _queries;
    private readonly IRecoveryStore _recovery;
    private readonly TimeProvider _clock;
    private readonly IAlertSink? _alerts;
    private readonly RunEngine _engine;
    private readonly RecoveryPlanner _planner;
    private readonly ILogger _events;

    /// <param name="events">Where the run, link and incomplete-run events of <see cref="ResyncEvents"/> go (none by default).</param>
    public LinkRunner(IRunStore store, IRunQueries queries, IRecoveryStore recovery, TimeProvider clock, IAlertSink? alerts = null, IBatchDispatcherFactory? dispatchers = null,
        ILogger? events = null)
    {
        _store = store;
        _queries = queries;
        _recovery = recovery;
        _clock = clock;
        _alerts = alerts;
        _events = events ?? NullLogger.Instance;
        _engine = new RunEngine(store, clock, dispatchers, _events);
        _planner = new RecoveryPlanner(queries);
    }

    /// <summary>A run that reads the source afresh (scheduled, manual, push), and what follows it automatically.</summary>
    public async Task<LinkRunOutcome> RunAsync(Link link, RunRequest request, RunProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var result = await _engine.RunAsync(link, request, progress, cancellationToken);
        await NoteErrorTargetFailuresAsync(link, result);

        // (A held source's cursor is its last page: its unread pages are kept as incomplete records, so nothing follows it.)
        var resume = link.Source is Sdk.IResumableSource ? result.LastCursor : null;
        var firstPageLost = false;
        if (result.StoppedPartway && resume is not null)
        {
            // A batch whose start the store lost (its write failed while a later one's committed) is in no batch: the remainder
            // reads on from the last page before it, as for a crash (CrashedPull). With batch 1 lost there is no such page: nothing
            // is parked and the watermark stays, so that the next run reads every page again.
            if (await BatchesMissingANumberAsync(result.RunId) is { } batches)
            {
                resume = CrashedPull.ReadsOnAfter(batches.Select(b => (b.Number, b.Cursor)));
                firstPageLost = resume is null;
            }
        }
        if (result.Status != RunStatus.Succeeded && result.HighestWatermark is { } reached && request.IsRoot && !firstPageLost)
            await _recovery.SetPendingWatermarkAsync(result.RunId, reached, CancellationToken.None);
        var unreadAtSource = !result.ReadToEnd && link.Source is not (Sdk.IResumableSource or Sdk.IHeldRecordsSource);
        var incomplete = firstPageLost ? null : await ParkIfStoppedPartwayAsync(link, result, resume, attempts: 0, request.RequestId, unreadAtSource);
        var replays = await ReplayAsync(link, result, cancellationToken);
        var health = await UpdateHealthAsync(link, result, parked: incomplete is not null, request.RequestId);
        return new LinkRunOutcome(result, replays, incomplete, health);
    }

    /// <summary>What Retry Failures of a run (or of one of its error groups) would carry, without running it.</summary>
    public async Task<RecoveryPlan> PlanRetryAsync(long runId, ErrorGroupKey? group = null, CancellationToken cancellationToken = default)
    {
        var plan = await _planner.PlanAsync(runId, group is null ? RecoveryScope.AllFailures : RecoveryScope.ErrorGroup, group, null, cancellationToken);
        if (plan.ResolvedByRunId is not null || (await _queries.GetRunAsync(runId, cancellationToken))?.LinkId is not { } linkId)
            return plan;
        // A run that stopped partway has its remainder parked: only retrying that reads the pages it never read.
        var open = await _recovery.ListIncompleteAsync(new IncompleteFilter(LinkId: linkId, Limit: 10_000), cancellationToken);
        return plan with { RemainderIncompleteId = open.FirstOrDefault(i => i.RunId == runId)?.Id };
    }

    /// <summary>
    /// Retry Failures: a Retry run holding the run's failed batches (fetched again by cursor) and its loose failed
    /// records (from snapshots), or only one error group's records. Throws <see cref="NothingToRetryException"/> when
    /// nothing can be carried, saying why, and <see cref="AlreadyResolvedException"/> when the run's chain has resolved
    /// (unless <paramref name="force"/>): its failures would be written a second time.
    /// </summary>
    public async Task<RunResult> RetryFailuresAsync(Link link, long runId, ErrorGroupKey? group = null, RunProgress? progress = null, bool force = false,
        CancellationToken cancellationToken = default)
    {
        var plan = await PlanRetryAsync(runId, group, cancellationToken);
        if (!force && plan.WaitsAsIncomplete is { } parked)
            throw new NothingToRetryException(parked);
        if (plan.NothingToRetry is { } why)
            throw new NothingToRetryException(why);
        if (!force && plan.AlreadyResolved is { } resolved)
            throw new AlreadyResolvedException(resolved, plan.ResolvedByRunId!.Value);
        var trigger = group is null ? $"retry failures of run {runId}" : $"retry error group {group.Code} at {group.Step} of run {runId}";
        var edits = await _recovery.GetRecordEditsAsync(plan.ParentRunId, cancellationToken);
        return (await RecoverAsync(link, plan, RunKind.Retry, trigger, group, edits, progress, cancellationToken)).Result;
    }

    /// <summary>Retries an incomplete run now (a person's action, or the scheduler's when its attempt is due).</summary>
    /// <param name="definition">
    /// Which definition of the link the resume runs with and what changed, in words, kept in the resume run's history (a host that
    /// says so itself, at the start, passes null).
    /// </param>
    public async Task<RunResult> RetryIncompleteAsync(Link link, long incompleteId, RunProgress? progress = null, CancellationToken cancellationToken = default,
        string? definition = null)
    {
        var incomplete = await OpenIncompleteAsync(incompleteId, cancellationToken);
        var plan = await _planner.PlanAsync(incomplete.RunId, RecoveryScope.Remainder, null, incomplete.ResumeCursor, cancellationToken);
        if (plan.ResumeCursor is not null && link.Source is not Sdk.IResumableSource
            && (await _queries.GetRunAsync(incomplete.RunId, cancellationToken))?.Kind.IsPull() == true)
        {
            // (A pull run whose process died is parked with its last page whatever its source: this one cannot read on from there.
            // A push's cursor is its last page: every record it had was kept, so nothing follows it.)
            plan = plan with { ResumeCursor = null, CarriesAllFailures = false };
            incomplete = incomplete with { Note = $"{IncompleteRunView.NotReadPrefix}the source of link '{link.Id}' cannot continue after a page, so the pages after those run " +
                $"{incomplete.RunId} took are not read by this retry. To get them, run the link again (resync run {link.Id})." };
        }
        var edits = await _recovery.GetIncompleteEditsAsync(incompleteId, cancellationToken);
        var (result, source) = await RecoverAsync(link, plan, RunKind.Resume, $"resume incomplete run {incompleteId}", null, edits, progress, cancellationToken);
        if (result.StoppedPartway && await BatchesMissingANumberAsync(result.RunId) is not null)
            return await KeepWithParentAsync(link, incomplete, result);

        // The remainder now lives in the resume run: this incomplete run is done; what the resume could not finish is its own
        // (the parent's failures it did not get to are kept in it, the pages never read stay behind the resume cursor).
        await _recovery.UpdateIncompleteAsync(incompleteId, IncompleteStatus.Resolved, incomplete.Attempts + 1, null, result.RunId, null, CancellationToken.None);
        ResyncEvents.IncompleteResumed(_events, incompleteId, link.Id, link.Tenant, result.RunId, result.Status.ToString());
        ResyncMetrics.IncompleteRuns.Add(-1, RunEvents.Tags(link));
        if (definition is not null)
            await _recovery.AddRunEventAsync(new RunEvent(result.RunId, _clock.GetUtcNow(), RunEventKinds.Definition, definition), CancellationToken.None);
        if (incomplete.NotRecovered is { } unread)
            await _recovery.AddRunEventAsync(new RunEvent(result.RunId, _clock.GetUtcNow(), RunEventKinds.Resumed, $"Not recovered by this resume. {unread}"), CancellationToken.None);
        await ParkIfStoppedPartwayAsync(link, result, source.ResumeCursorAfter(result.LastCursor), incomplete.Attempts + 1, requestId: null,
            unreadAtSource: incomplete.NotRecovered is not null);
        // An incomplete run retried automatically (its cause was ephemeral) got through: what its attempts held is withdrawn.
        if (result.Status == RunStatus.Succeeded && incomplete.Error.Durability == Durability.Ephemeral && incomplete.Error.Code != ErrorCodes.Interrupted)
        {
            await RaiseAsync(new Alert(AlertKinds.Recovered, link.Id, link.Tenant, result.RunId,
                $"Link '{link.Id}' recovered: resume run {result.RunId} got the remainder of run {incomplete.RunId} through (incomplete run {incompleteId}, " +
                $"attempt {incomplete.Attempts + 1}).", null, _clock.GetUtcNow()) { Recovery = AlertRecovery.Succeeded });
        }
        return result;
    }

    /// <summary>
    /// The run's batches when the store lost the start of one of them while a later one's committed (a number is missing),
    /// else null. (They come in number order, each number once: the last is the count unless one is missing.)
    /// </summary>
    private async Task<List<BatchView>?> BatchesMissingANumberAsync(long runId)
    {
        var batches = await RecoveryPlanner.BatchesAsync(_queries, runId, CancellationToken.None);
        return batches.Count > 0 && batches[^1].Number != batches.Count ? batches : null;
    }

    /// <summary>
    /// A resume that stopped with a batch's start lost leaves the remainder with its parent, as one that crashed so does
    /// (<see cref="CrashedResume"/>): the page of that batch may be one of the parent's failures or a page never read, and
    /// neither the resume's failures kept nor its cursor would bring it back. The next retry redoes the whole remainder.
    /// </summary>
    private async Task<RunResult> KeepWithParentAsync(Link link, IncompleteRunView incomplete, RunResult result)
    {
        var error = result.SystemError ?? incomplete.Error;
        var attempts = incomplete.Attempts + 1;
        var next = error.Durability == Durability.Ephemeral ? Schedule(link).DelayAfter(attempts) : null;
        var now = _clock.GetUtcNow();
        await _recovery.UpdateIncompleteAsync(incomplete.Id, next is null ? IncompleteStatus.Waiting : IncompleteStatus.Scheduled, attempts, now + next, null,
            incomplete.Note, CancellationToken.None);
        var what = $"Resume run {result.RunId} of link '{link.Id}' stopped partway ({error.Code}: {error.Message}) and the state store lost the start of one of " +
            $"its batches; the remainder stays with incomplete run {incomplete.Id}, whose next retry does all of it again";
        await _recovery.AddRunEventAsync(new RunEvent(result.RunId, now, RunEventKinds.Resumed, $"{what}."), CancellationToken.None);
        await RaiseAsync(next is null
            ? new Alert(AlertKinds.WaitingForAPerson, link.Id, link.Tenant, result.RunId, $"{what}, waiting for a person. {error.Hint}", error, now) { Recovery = AlertRecovery.Failed }
            : new Alert(AlertKinds.RunFailed, link.Id, link.Tenant, result.RunId, $"{what}: attempt {attempts + 1} is due at {now + next:u}.", error, now)
                { Recovery = AlertRecovery.InProgress });
        return result;
    }

    /// <summary>Changes one record of an incomplete run; its next retry writes these values instead of the snapshot.</summary>
    public async Task EditIncompleteRecordAsync(long incompleteId, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, CancellationToken cancellationToken = default)
    {
        var incomplete = await OpenIncompleteAsync(incompleteId, cancellationToken);
        var kept = await _queries.ListRecordsAsync(incomplete.RunId, new RecordFilter(null, 0, 100_000, batchNumber), cancellationToken);
        if (!kept.Any(r => r.Position == position && r.Outcome is Records.OutcomeKind.Failed or Records.OutcomeKind.Incomplete))
            throw new KeyNotFoundException($"Incomplete run {incompleteId} has no failed record at batch {batchNumber}, position {position}.");
        await _recovery.EditIncompleteRecordAsync(incompleteId, batchNumber, position, fields, _clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>
    /// Changes one failed record of a run by hand; the run's next Retry Failures writes these values instead of the snapshot
    /// (or of what the source gives again), and the run's history says so. Throws <see cref="KeyNotFoundException"/> when the
    /// run kept no record there, and <see cref="InvalidOperationException"/> when that record did not fail.
    /// </summary>
    public async Task EditFailedRecordAsync(long runId, int batchNumber, int position, IReadOnlyDictionary<string, object?> fields, CancellationToken cancellationToken = default)
    {
        var record = (await _queries.ListRecordsAsync(runId, new RecordFilter(null, 0, 100_000, batchNumber), cancellationToken)).FirstOrDefault(r => r.Position == position)
            ?? throw new KeyNotFoundException($"Run {runId} kept no record at batch {batchNumber}, position {position}.");
        if (record.Outcome != Records.OutcomeKind.Failed)
            throw new InvalidOperationException($"The record at batch {batchNumber}, position {position} of run {runId} did not fail (it is {record.Outcome}): only failed records are edited for a retry.");
        var at = _clock.GetUtcNow();
        await _recovery.EditFailedRecordAsync(runId, batchNumber, position, fields, at, cancellationToken);
        await _recovery.AddRunEventAsync(new RunEvent(runId, at, RunEventKinds.RecordEdited,
            $"Record {record.Key ?? "-"} (batch {batchNumber}, position {position}) edited by hand: the next retry of this run writes its edited values."), CancellationToken.None);
    }

    /// <summary>Discards an incomplete run: its remainder will not be processed; the run's history says so.</summary>
    public async Task DiscardIncompleteAsync(long incompleteId, string? reason, CancellationToken cancellationToken = default)
    {
        var incomplete = await OpenIncompleteAsync(incompleteId, cancellationToken);
        reason ??= "discarded by a person";
        await _recovery.UpdateIncompleteAsync(incompleteId, IncompleteStatus.Discarded, incomplete.Attempts, null, null, reason, cancellationToken);
        ResyncEvents.IncompleteDiscarded(_events, incompleteId, incomplete.RunId, incomplete.LinkId, incomplete.Tenant, reason);
        ResyncMetrics.IncompleteRuns.Add(-1, new System.Diagnostics.TagList { { "link", incomplete.LinkId }, { "tenant", incomplete.Tenant } });
    }

    private async Task<IncompleteRunView> OpenIncompleteAsync(long incompleteId, CancellationToken cancellationToken)
    {
        var incomplete = await _recovery.GetIncompleteAsync(incompleteId, cancellationToken)
            ?? throw new KeyNotFoundException($"There is no incomplete run {incompleteId}.");
        if (incomplete.Status.IsClosed())
            throw new InvalidOperationException($"Incomplete run {incompleteId} is {incomplete.Status.ToString().ToLowerInvariant()} already.");
        return incomplete;
    }

    private async Task<(RunResult Result, RecoverySource Source)> RecoverAsync(Link link, RecoveryPlan plan, RunKind kind, string trigger, ErrorGroupKey? group,
        IReadOnlyDictionary<(int Batch, int Position), string> edits, RunProgress? progress, CancellationToken cancellationToken)
    {
        var source = new RecoverySource(link.Source, _queries, plan, group, edits, link.Settings.StaleProtection);
        // Dead letters are keyed by the chain's first run: a record that fails again in a retry is the same dead letter.
        var parent = link.ErrorTarget is null ? null : await _queries.GetRunAsync(plan.ParentRunId, cancellationToken);
        var request = new RunRequest(kind, trigger, plan.ParentRunId) { CarriesAllFailures = plan.CarriesAllFailures, RootRunId = parent?.RootRunId ?? plan.ParentRunId };
        var result = await _engine.RunAsync(link.With(source: source), request, progress, cancellationToken);
        // The pages a resume read after its parent's last page continue the root's read: once the chain resolves, the
        // watermark moves past them too (left where the root stopped, the next run would read and write them again).
        if (result.HighestWatermark is { } reached && await _queries.GetRunAsync(plan.ParentRunId, CancellationToken.None) is { } parentRun)
            await _recovery.SetPendingWatermarkAsync(parentRun.RootRunId ?? parentRun.Id, reached, CancellationToken.None);
        await NoteErrorTargetFailuresAsync(link, result);
        if (result.Status == RunStatus.Succeeded)
            await TellResolvedAsync(link, result, await _recovery.ResolveChainAsync(result.RunId, _clock.GetUtcNow(), CancellationToken.None));
        return (result, source);
    }

    private async Task<IReadOnlyList<RunResult>> ReplayAsync(Link link, RunResult result, CancellationToken cancellationToken)
    {
        var replays = new List<RunResult>();
        if (!link.Settings.AutomatedReplay)
            return replays;
        var settings = link.Settings;
        // Durable errors fail the same way until someone fixes the record: replaying them only burns attempts, unless asked to.
        var scope = settings.ReplayIncludesDurable ? RecoveryScope.FailedRecords : RecoveryScope.EphemeralFailedRecords;
        var last = result;
        // Only records failed: each Replay carries the records still failing, until all succeed or attempts run out.
        while (replays.Count < settings.ReplayMaxAttempts && last.SystemError is null && last.Counts.Failed > 0 && !cancellationToken.IsCancellationRequested)
        {
            var plan = await _planner.PlanAsync(last.RunId, scope, null, null, cancellationToken);
            if (plan.Records == 0)
                break;
            await RaiseAsync(new Alert(AlertKinds.RunFailed, link.Id, link.Tenant, last.RunId,
                $"Run {last.RunId} of link '{link.Id}' completed with {last.Counts.Failed} failed record{(last.Counts.Failed == 1 ? "" : "s")}; " +
                $"automated replay {replays.Count + 1} of {settings.ReplayMaxAttempts} follows.", null, _clock.GetUtcNow()) { Recovery = AlertRecovery.InProgress });
            // What failed for a moment (a lock, a rate limit) needs time to pass: waited on the injected clock.
            var delay = settings.ReplayDelays[Math.Min(replays.Count, settings.ReplayDelays.Count - 1)];
            try
            {
                await Task.Delay(delay, _clock, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break; // Stopped while waiting (the server shutting down): the records stay failed, for Retry Failures.
            }
            (last, _) = await RecoverAsync(link, plan, RunKind.Replay, $"automated replay {replays.Count + 1} of {settings.ReplayMaxAttempts}", null,
                new Dictionary<(int, int), string>(), null, cancellationToken);
            replays.Add(last);
        }
        if (replays.Count > 0 && !cancellationToken.IsCancellationRequested)
            await TellReplayEndedAsync(link, result, last, replays.Count);
        return replays;
    }

    /// <summary>Ends the automated replay's held alerts: a "recovered" note when every record got through, else one digest.</summary>
    private async Task TellReplayEndedAsync(Link link, RunResult first, RunResult last, int replays)
    {
        var now = _clock.GetUtcNow();
        var attempts = $"{replays} automated replay{(replays == 1 ? "" : "s")}";
        if (last.SystemError is null && last.Counts.Failed == 0)
        {
            await RaiseAsync(new Alert(AlertKinds.Recovered, link.Id, link.Tenant, last.RunId,
                $"Link '{link.Id}' recovered: {attempts} got the failed records of run {first.RunId} through (run {last.RunId}).", null, now)
                { Recovery = AlertRecovery.Succeeded });
            return;
        }
        var why = last.SystemError is { } error
            ? $"replay run {last.RunId} stopped: {error.Code} {error.Message}"
            : $"{last.Counts.Failed} record{(last.Counts.Failed == 1 ? "" : "s")} still fail after {attempts} (last: run {last.RunId})";
        await RaiseAsync(new Alert(AlertKinds.RunFailed, link.Id, link.Tenant, last.RunId,
            $"Automated replay of run {first.RunId} of link '{link.Id}' gave up: {why}. Retry Failures of run {last.RunId} once the cause is fixed.",
            last.SystemError, now) { Recovery = AlertRecovery.Failed });
    }

    /// <param name="resume">Where the pages the run never read start (null: none, or the source cannot resume).</param>
    /// <param name="unreadAtSource">Pages were left unread by a source that cannot resume (the note says so, and how to get them).</param>
    private async Task<long?> ParkIfStoppedPartwayAsync(Link link, RunResult result, string? resume, int attempts, string? requestId, bool unreadAtSource)
    {
        // (A run whose records an error policy parked went on to the end: its parked records are its remainder.)
        var parkedByPolicy = result.SystemError is null && result.ParkedError is not null;
        if (!(result.StoppedPartway || parkedByPolicy) || !link.Settings.StoreIncompleteRuns)
            return null;
        var now = _clock.GetUtcNow();
        string? note = null;
        DateTimeOffset? nextAttemptAt;
        if ((result.SystemError ?? result.ParkedError) is { } error)
        {
            if (parkedByPolicy)
                (resume, unreadAtSource) = (null, false);
            var next = error.Durability == Durability.Ephemeral ? Schedule(link).DelayAfter(attempts + 1) : null;
            nextAttemptAt = next is { } delay ? now + delay : null;
            note = error.Durability == Durability.Ephemeral && next is null
                ? $"Automatic attempts used up ({attempts}); waiting for a person."
                : null;
        }
        else
        {
            // Stopped by its caller (Ctrl+C, the server shutting down): what it did not process is due at once, i.e. at the next start.
            if (result.Status != RunStatus.Interrupted || (resume is null && result.Counts.Incomplete == 0 && result.Counts.Failed == 0))
                return null;
            error = new ResyncError(ErrorScope.System, ErrorType.Runtime, Durability.Ephemeral, ErrorCodes.Interrupted,
                $"Run {result.RunId} was stopped (cancelled, or the server shut down) before it finished.", null, [],
                "resync serve resumes it when it runs again; resync incomplete retry resumes it now.", now, 1);
            nextAttemptAt = now;
        }
        var status = nextAttemptAt is null ? IncompleteStatus.Waiting : IncompleteStatus.Scheduled;
        if (unreadAtSource)
            note = $"{NotResumable(link, result)}{(note is null ? "" : " " + note)}";
        var id = await _recovery.ParkAsync(new IncompleteRunView(0, result.RunId, link.Id, link.Tenant, status, error, resume, attempts,
            nextAttemptAt, now, null, note, 0), CancellationToken.None);
        ResyncEvents.IncompleteParked(_events, result.RunId, link.Id, link.Tenant, id, status.ToString(), error.Type.ToString(), error.Durability.ToString(), error.Code,
            nextAttemptAt, attempts, requestId);
        ResyncMetrics.IncompleteRuns.Add(1, RunEvents.Tags(link));
        var what = $"Run {result.RunId} of link '{link.Id}' {(parkedByPolicy ? "parked records" : "stopped partway")} ({error.Code}: {error.Message}); its remainder is incomplete run {id}";
        if (status == IncompleteStatus.Waiting)
        {
            // After automatic attempts (attempts > 0) this ends them: the alerts they held go out with it as one digest.
            await RaiseAsync(new Alert(AlertKinds.WaitingForAPerson, link.Id, link.Tenant, result.RunId, $"{what}, waiting for a person. {error.Hint}", error, now, requestId)
                { Recovery = attempts > 0 ? AlertRecovery.Failed : AlertRecovery.None });
        }
        else if (error.Code != ErrorCodes.Interrupted)
        {
            // The remainder is retried automatically on the backoff schedule: held, like the link's own backoff and replays.
            await RaiseAsync(new Alert(AlertKinds.RunFailed, link.Id, link.Tenant, result.RunId,
                $"{what}, retried automatically: attempt {attempts + 1} is due at {nextAttemptAt:u}.", error, now, requestId) { Recovery = AlertRecovery.InProgress });
        }
        return id;
    }

    private async Task<LinkHealth> UpdateHealthAsync(Link link, RunResult result, bool parked, string? requestId)
    {
        var current = (await _recovery.GetLinkAsync(link.Id, CancellationToken.None))?.Health ?? LinkHealth.Healthy;
        var now = _clock.GetUtcNow();
        var decision = LinkHealthPolicy.After(current, link, result, parked, Schedule(link), now, await GotNothingThroughAsync(result));
        if (decision.Health != current)
            await _recovery.UpdateLinkHealthAsync(link.Id, link.Tenant, decision.Health, CancellationToken.None);
        // While the backoff schedule is under way its failures are held; any alert ends it as failed, a success as recovered.
        var inBackoff = current.BackoffAttempts > 0;
        if (decision.AlertKind is { } kind)
        {
            if (kind == AlertKinds.LinkDeactivated)
            {
                await _recovery.AddRunEventAsync(new RunEvent(result.RunId, now, RunEventKinds.LinkDeactivated, decision.AlertMessage!), CancellationToken.None);
                ResyncEvents.LinkDeactivated(_events, link.Id, link.Tenant, "policy", result.RunId, decision.AlertMessage!);
            }
            await RaiseAsync(new Alert(kind, link.Id, link.Tenant, result.RunId, decision.AlertMessage!, result.SystemError, now, requestId)
                { Recovery = inBackoff ? AlertRecovery.Failed : AlertRecovery.None });
        }
        else if (decision.Health.BackoffAttempts > current.BackoffAttempts && result.SystemError is { } error)
        {
            await RaiseAsync(new Alert(AlertKinds.RunFailed, link.Id, link.Tenant, result.RunId,
                $"Run {result.RunId} of link '{link.Id}' failed: {error.Code} {error.Message}. Attempt {decision.Health.BackoffAttempts} on the backoff schedule " +
                $"is due at {decision.Health.NextAttemptAt:u}.", error, now, requestId) { Recovery = AlertRecovery.InProgress });
        }
        else if (inBackoff && decision.Health.BackoffAttempts == 0)
        {
            await RaiseAsync(new Alert(AlertKinds.Recovered, link.Id, link.Tenant, result.RunId,
                $"Link '{link.Id}' recovered: run {result.RunId} got through after {current.BackoffAttempts} failed attempt{(current.BackoffAttempts == 1 ? "" : "s")} " +
                "on the backoff schedule.", null, now, requestId) { Recovery = AlertRecovery.Succeeded });
        }
        return decision.Health;
    }

    /// <summary>A run that completed with every batch failed, or every record failed with errors that are not the data's (see <see cref="LinkHealthPolicy"/>).</summary>
    private async Task<bool> GotNothingThroughAsync(RunResult result)
    {
        var counts = result.Counts;
        if (result.Status != RunStatus.CompletedWithErrors || counts.Succeeded > 0 || counts.Ignored > 0)
            return false;
        if (counts.BatchesTotal > 0 && counts.BatchesFailed == counts.BatchesTotal)
            return true;
        var groups = await _queries.ListErrorGroupsAsync(result.RunId, CancellationToken.None);
        return groups.Count > 0 && !groups.Any(group => group.Type is ErrorType.Data or ErrorType.DuplicateData);
    }

    /// <summary>
    /// Whoever was told of a failure is told when it is fixed: when a recovery run resolved runs of which an alert was
    /// raised, one <see cref="AlertKinds.ChainResolved"/> alert names the first of them. Chains nobody was alerted about stay quiet.
    /// </summary>
    private async Task TellResolvedAsync(Link link, RunResult result, IReadOnlyList<long> resolved)
    {
        foreach (var runId in resolved.Order())
        {
            var history = await _recovery.ListRunEventsAsync(runId, CancellationToken.None);
            if (!history.Any(e => e.Kind == RunEventKinds.Alert && !e.Message.StartsWith(AlertKinds.ChainResolved + ":", StringComparison.Ordinal)
                && !e.Message.StartsWith(Alert.HeldPrefix, StringComparison.Ordinal)))
                continue;
            await RaiseAsync(new Alert(AlertKinds.ChainResolved, link.Id, link.Tenant, runId,
                $"Run {runId} of link '{link.Id}' is resolved: {result.RunId} got its failures through.", null, _clock.GetUtcNow()));
            return;
        }
    }

    /// <summary>The error target's failures go in the run's history: the run itself is not failed by them.</summary>
    private async Task NoteErrorTargetFailuresAsync(Link link, RunResult result)
    {
        if (result.ErrorTargetFailures == 0)
            return;
        await _recovery.AddRunEventAsync(new RunEvent(result.RunId, _clock.GetUtcNow(), RunEventKinds.ErrorTargetFailed,
            $"{result.ErrorTargetFailures} failed record{(result.ErrorTargetFailures == 1 ? "" : "s")} could not be written to the error target of link '{link.Id}' " +
            $"({result.ErrorTargetFailure}); they are still in this run's failures."), CancellationToken.None);
    }

    private async Task RaiseAsync(Alert alert)
    {
        if (alert.RunId is { } runId)
            await _recovery.AddRunEventAsync(new RunEvent(runId, alert.At, RunEventKinds.Alert,
                $"{(alert.Recovery == AlertRecovery.InProgress ? Alert.HeldPrefix : "")}{alert.Kind}: {alert.Message}"), CancellationToken.None);
        if (_alerts is not null)
            await _alerts.RaiseAsync(alert, CancellationToken.None);
    }

    /// <summary>Says plainly that a source that cannot resume left pages unread, and how to get them.</summary>
    private static string NotResumable(Link link, RunResult result) =>
        $"{IncompleteRunView.NotReadPrefix}the source of link '{link.Id}' cannot continue after a page, so the pages after those run {result.RunId} took were not read and retrying this incomplete run " +
        $"does not read them. To get them, run the link again (resync run {link.Id}): its watermark did not move, so it reads them (and again what run {result.RunId} wrote).";

    private static BackoffSchedule Schedule(Link link) =>
        link.Settings.BackoffSchedule is { Count: > 0 } delays ? new BackoffSchedule(delays) : BackoffSchedule.Default;
}
