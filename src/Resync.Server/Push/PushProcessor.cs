using System.Text.Json;
using Microsoft.Extensions.Options;
using Resync.Connectors.Push;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Alerts;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Push;

/// <summary>
/// Runs pushes: a synchronous push is a run over the body's records; an asynchronous one is first stored (payloads arriving
/// together sharing a commit, <see cref="SaveAsync(PushWork)"/>), acknowledged, then run,
/// pushes of one link that arrive together sharing a run (<see cref="PushBatcher{T}"/>), and its callback URL (if any) is called when the run ends, through the alert outbox. Once the run has ended, the stored
/// payload is emptied (after <see cref="ServerOptions.PushPayloadRetention"/>). At start, acknowledged pushes whose run was
/// cut by the process stopping have their remainder parked for the scheduler to resume (<see cref="PushRecovery"/>), and
/// pushes stored but never started (the process stopped in between) are started.
/// </summary>
public sealed class PushProcessor(RunLauncher launcher, LinkRegistry links, IServerStore serverStore, IRunStore runs, IRunQueries queries, IRecoveryStore recovery,
    AlertOutbox outbox, TimeProvider clock, ServerOptions options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<PushProcessor> logger)
    : IHostedService
{
    private PushBatcher<PushWork>? _batcher;

    /// <summary>True once the server is stopping: no push is taken then.</summary>
    public bool IsStopping => launcher.Stopping.IsCancellationRequested;

    // Made on first use (its dispatch is a method of this processor), by the pushes that arrive together: each must get the one
    // published, or a push would wait in a lane no other push of its link joins (with a window, until it ends, apart from its run).
    private PushBatcher<PushWork> Batcher => Volatile.Read(ref _batcher) ?? LazyInitializer.EnsureInitialized(ref _batcher,
        () => new PushBatcher<PushWork>(DispatchLaneAsync, options.MaxPushesPerRun, options.PushRunWindow, clock));

    /// <summary>
    /// Stores an asynchronous push's payload (<see cref="PushWork.Stored"/>) and returns the push with its id once its commit is
    /// durable: the push is acknowledged then. Each push goes to the store as it comes: on SQLite the state file's one writer
    /// commits every write waiting in one transaction (group commit), so the pushes that arrive while a commit is under way share
    /// the next one; PostgreSQL's concurrent commits share their WAL flushes. (A lane that gathered the payloads first and stored
    /// them one commit at a time left the writer idle between commits: docs/benchmarks.md, Push.) A push without a callback then
    /// runs (sharing a run as <see cref="StartAsync(PushWork)"/> says) without being waited for: a run that cannot start leaves it
    /// stored, and the next start runs it (<see cref="IServerStore.ListUnstartedPushesAsync"/>). A push with a callback is started
    /// by the caller.
    /// </summary>
    internal async Task<StoredPush> SaveAsync(PushWork work)
    {
        var stored = work.Stored! with { Id = await serverStore.AddPushAsync(work.Stored!, CancellationToken.None) };
        if (stored.CallbackUrl is null)
            _ = RunAcceptedAsync(new PushWork(work.Link, work.Source, work.Records, work.RequestId, stored));
        return stored;
    }

    private async Task RunAcceptedAsync(PushWork work)
    {
        try
        {
            await StartAsync(work);
        }
        catch (Exception exception)
        {
            ServerLog.AcceptedPushNotStarted(logger, exception, work.Stored!.Id, work.Link.Id);
        }
    }

    /// <summary>The synchronous pushes of the link waiting for its run under way to end (they share the next one).</summary>
    internal int SyncPushesWaiting(string linkId) => Volatile.Read(ref _batcher)?.Waiting("sync:" + linkId) ?? 0;

    /// <summary>
    /// Runs the push's records, in a run it may share with other pushes of the link that arrive meanwhile (see
    /// <see cref="ServerOptions.MaxPushesPerRun"/>); a stored push with a callback runs alone, so that its callback is about it only.
    /// Returns once the run exists (and, for a stored push, once the push is marked as run by it).
    /// </summary>
    internal Task<PushShare> StartAsync(PushWork work)
    {
        if (work.Stored is { CallbackUrl: not null })
            _ = DispatchAsync([work]);
        else
            Batcher.Enqueue((work.Stored is null ? "sync:" : "async:") + work.Link.Id, work);
        return work.Started.Task;
    }

    /// <summary>
    /// A lane's next run opens once this one has ended: the pushes that arrive meanwhile (at most
    /// <see cref="ServerOptions.MaxPushesPerRun"/>) share the next run, so under load runs grow instead of multiplying, and their
    /// fixed cost (the run row, its batch, the target's transaction, its end, for asynchronous pushes the pushes marked) stops
    /// taking the cores the requests need. For synchronous pushes too: with 16 clients, runs opened as soon as the previous had
    /// started held ~4 pushes each and overlapped, and cost a third more CPU per push for fewer requests per second than runs
    /// of ~8 one after the other (docs/benchmarks.md, Push). With a run per push (<see cref="ServerOptions.MaxPushesPerRun"/> 1)
    /// a lane opens the next run once this one has started.
    /// </summary>
    private async Task DispatchLaneAsync(IReadOnlyList<PushWork> works)
    {
        var runs = await DispatchAsync(works);
        // With a run per push (MaxPushesPerRun 1) no later run could take more: they go on side by side, as before runs were shared.
        if (options.MaxPushesPerRun == 1)
            return;
        // Its failure is the run's to record and FollowAsync's to log; the lane goes on either way.
        await Task.WhenAll(runs.Select(run => run.Ended)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>Opens one run over the works' records (works of another link version open their own); answers each work; returns the runs opened.</summary>
    private async Task<IReadOnlyList<ActiveRun>> DispatchAsync(IReadOnlyList<PushWork> works)
    {
        var opened = new List<ActiveRun>();
        foreach (var group in works.GroupBy(work => (work.Link, work.Source)))
        {
            // A shared run reads its pushes in the order of their ids: recovery after a kill reads it back that way.
            var shared = group.OrderBy(work => work.Stored?.Id ?? 0).ToList();
            try
            {
                var records = shared.Count == 1 ? shared[0].Records : [.. shared.SelectMany(work => work.Records)];
                var requestId = shared.Select(work => work.RequestId).Distinct().Count() == 1 ? shared[0].RequestId : null;
                var run = await RunAsync(group.Key.Link, group.Key.Source, records, requestId, answerWaits: shared[0].Stored is null, CancellationToken.None);
                opened.Add(run);
                var stored = shared.Where(work => work.Stored is not null).Select(work => work.Stored!).ToList();
                if (stored.Count > 0)
                {
                    await serverStore.PushStartedAsync([.. stored.Select(push => push.Id)], run.RunId, CancellationToken.None);
                    _ = FollowAsync(stored, run);
                }
                var first = 0;
                foreach (var work in shared)
                {
                    work.Started.TrySetResult(new PushShare(run, first, work.Records.Count, shared.Count));
                    first += work.Records.Count;
                }
            }
            catch (Exception exception)
            {
                foreach (var work in shared)
                    work.Started.TrySetException(exception);
            }
        }
        return opened;
    }

    /// <summary>
    /// Starts a run over the records. When an answer waits for it (a synchronous push), its first batch is noted started in the
    /// run's opening commit: one commit fewer before the target is written. An asynchronous push's run is waited for by no one,
    /// and the longer it takes, the more pushes share the next one: with the commit folded its runs held ~30 pushes instead
    /// of ~39, and the acknowledgements, committed by the same writer, came ~14 % slower (docs/benchmarks.md, Push).
    /// </summary>
    private Task<ActiveRun> RunAsync(Link link, PushSource source, IReadOnlyList<Core.Records.Record> records, string? requestId, bool answerWaits,
        CancellationToken cancellationToken)
    {
        var pushed = link.With(source: source.WithRecords(records, firstBatchWithRun: answerWaits));
        return launcher.StartAsync(pushed, new RunRequest(RunKind.Push, "push", null, requestId), cancellationToken);
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await serverStore.PurgePushPayloadsAsync(clock.GetUtcNow() - options.PushPayloadRetention, cancellationToken);
        var cut = new PushRecovery(runs, queries, recovery, serverStore, clock);
        // Pushes that shared a run are recovered together: the run read their records one push after the other, by id.
        foreach (var shared in (await serverStore.ListUnfinishedPushesAsync(cancellationToken)).GroupBy(push => push.RunId))
        {
            var pushes = shared.OrderBy(push => push.Id).ToList();
            if (PushLink(pushes[0]) is not { Link.Source: PushSource source } entry)
                continue;
            if (await cut.RecoverAsync(pushes, entry.Link, source, cancellationToken) is { } incompleteId)
                ServerLog.CutPushesResumed(logger,
                    string.Join(", ", pushes.Select(push => push.Id)), pushes[0].LinkId, pushes[0].RunId, incompleteId);
        }
        foreach (var push in await serverStore.ListUnstartedPushesAsync(cancellationToken))
        {
            if (PushLink(push) is not { Link.Source: PushSource source } entry)
                continue;
            var records = source.ReadBody(System.Text.Encoding.UTF8.GetBytes(push.Payload), int.MaxValue);
            var work = new PushWork(entry.Link, source, records, push.RequestId, push);
            await DispatchAsync([work]);
            var started = await work.Started.Task;
            ServerLog.StoredPushStarted(logger, push.Id, push.LinkId, started.Run.RunId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private LinkEntry? PushLink(StoredPush push)
    {
        if (links.Find(push.LinkId) is { Link.Source: PushSource } entry)
            return entry;
        ServerLog.StoredPushOrphaned(logger, push.Id, push.LinkId);
        return null;
    }

    private async Task FollowAsync(IReadOnlyList<StoredPush> pushes, ActiveRun run)
    {
        RunResult result;
        try
        {
            result = await run.Completion;
        }
        catch (Exception exception)
        {
            ServerLog.PushRunFailed(logger, exception, string.Join(", ", pushes.Select(push => push.Id)), run.RunId);
            return;
        }
        try
        {
            await serverStore.PushesFinishedAsync([.. pushes.Select(push => push.Id)], clock.GetUtcNow(), CancellationToken.None);
        }
        catch (Exception exception)
        {
            ServerLog.PushEndNotRecorded(logger, exception, run.RunId);
            return;
        }
        foreach (var push in pushes)
        {
            try
            {
                if (push.CallbackUrl is not null && result.Status != RunStatus.Interrupted)
                {
                    // Through the alert outbox: durable, signed, retried with backoff, and visible under the run.
                    var body = new PushCallback(push.Id, run.RunId, push.LinkId, push.RequestId, result.Status, result.Counts, $"/api/v1/runs/{run.RunId}");
                    if (push.ProtectedCallbackSecret is null)
                        ServerLog.PushCallbackUnsigned(logger, push.Id);
                    else
                        await outbox.EnqueueCallbackAsync(push, run.RunId, JsonSerializer.Serialize(body, json.Value.SerializerOptions), CancellationToken.None);
                }
            }
            catch (Exception exception)
            {
                ServerLog.PushCallbackNotQueued(logger, exception, push.Id, run.RunId);
            }
        }
        try
        {
            // The run has accounted for every record (written, kept as failed or incomplete): the payloads are no longer needed.
            await serverStore.PurgePushPayloadsAsync(clock.GetUtcNow() - options.PushPayloadRetention, CancellationToken.None);
        }
        catch (Exception exception)
        {
            ServerLog.PushPayloadsNotPurged(logger, exception, run.RunId);
        }
    }
}
