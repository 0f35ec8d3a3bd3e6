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
/// Runs pushes: a synchronous push is a run over the body's records; an asynchronous one is first stored, then run,
/// and its callback URL (if any) is called when the run ends, through the alert outbox. Once the run has ended, the stored
/// payload is emptied (after <see cref="ServerOptions.PushPayloadRetention"/>). At start, acknowledged pushes whose run was
/// cut by the process stopping have their remainder parked for the scheduler to resume (<see cref="PushRecovery"/>), and
/// pushes stored but never started (the process stopped in between) are started.
/// </summary>
public sealed class PushProcessor(RunLauncher launcher, LinkRegistry links, IServerStore serverStore, IRunStore runs, IRunQueries queries, IRecoveryStore recovery,
    AlertOutbox outbox, TimeProvider clock, ServerOptions options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<PushProcessor> logger)
    : IHostedService
{
    /// <summary>True once the server is stopping: no push is taken then.</summary>
    public bool IsStopping => launcher.Stopping.IsCancellationRequested;

    /// <summary>Starts a run over <paramref name="records"/> of a push link.</summary>
    public Task<ActiveRun> RunAsync(Link link, PushSource source, IReadOnlyList<Core.Records.Record> records, string? requestId, CancellationToken cancellationToken)
    {
        var pushed = link.With(source: source.WithRecords(records));
        return launcher.StartAsync(pushed, new RunRequest(RunKind.Push, "push", null, requestId), cancellationToken);
    }

    /// <summary>Starts the run of a stored push and follows it to its end (callback).</summary>
    public async Task<ActiveRun> StartStoredAsync(StoredPush push, Link link, PushSource source, IReadOnlyList<Core.Records.Record> records, CancellationToken cancellationToken)
    {
        var run = await RunAsync(link, source, records, push.RequestId, cancellationToken);
        await serverStore.PushStartedAsync(push.Id, run.RunId, CancellationToken.None);
        _ = FollowAsync(push, run);
        return run;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await serverStore.PurgePushPayloadsAsync(clock.GetUtcNow() - options.PushPayloadRetention, cancellationToken);
        var cut = new PushRecovery(runs, queries, recovery, serverStore, clock);
        foreach (var push in await serverStore.ListUnfinishedPushesAsync(cancellationToken))
        {
            if (PushLink(push) is not { Link.Source: PushSource source } entry)
                continue;
            if (await cut.RecoverAsync(push, entry.Link, source, cancellationToken) is { } incompleteId)
                logger.LogWarning("Push {PushId} of link {LinkId}: run {RunId} was cut by the process stopping; its remainder is incomplete run {IncompleteId}, resumed now",
                    push.Id, push.LinkId, push.RunId, incompleteId);
        }
        foreach (var push in await serverStore.ListUnstartedPushesAsync(cancellationToken))
        {
            if (PushLink(push) is not { Link.Source: PushSource source } entry)
                continue;
            var records = source.ReadBody(System.Text.Encoding.UTF8.GetBytes(push.Payload), int.MaxValue);
            var run = await StartStoredAsync(push, entry.Link, source, records, cancellationToken);
            logger.LogInformation("Stored push {PushId} of link {LinkId} started as run {RunId}", push.Id, push.LinkId, run.RunId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private LinkEntry? PushLink(StoredPush push)
    {
        if (links.Find(push.LinkId) is { Link.Source: PushSource } entry)
            return entry;
        logger.LogWarning("Stored push {PushId} is for link {LinkId}, which is gone or no longer a push link; it stays stored", push.Id, push.LinkId);
        return null;
    }

    private async Task FollowAsync(StoredPush push, ActiveRun run)
    {
        RunResult result;
        try
        {
            result = await run.Completion;
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Push {PushId}: run {RunId} failed in the runner", push.Id, run.RunId);
            return;
        }
        try
        {
            await serverStore.PushFinishedAsync(push.Id, clock.GetUtcNow(), CancellationToken.None);
            if (push.CallbackUrl is not null && result.Status != RunStatus.Interrupted)
            {
                // Through the alert outbox: durable, signed, retried with backoff, and visible under the run.
                var body = new PushCallback(push.Id, run.RunId, push.LinkId, push.RequestId, result.Status, result.Counts, $"/api/v1/runs/{run.RunId}");
                if (push.ProtectedCallbackSecret is null)
                    logger.LogWarning("Push {PushId} was stored without a callback secret (before callbacks were signed); its callback is not sent", push.Id);
                else
                    await outbox.EnqueueCallbackAsync(push, run.RunId, JsonSerializer.Serialize(body, json.Value.SerializerOptions), CancellationToken.None);
            }
            // The run has accounted for every record (written, kept as failed or incomplete): the payload is no longer needed.
            await serverStore.PurgePushPayloadsAsync(clock.GetUtcNow() - options.PushPayloadRetention, CancellationToken.None);
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "Push {PushId}: the end of run {RunId} could not be recorded", push.Id, run.RunId);
        }
    }
}
