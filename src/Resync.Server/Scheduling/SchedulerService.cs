using Resync.Core.Recovery;
using Resync.Core.Scheduling;
using Resync.Core.Storage;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Scheduling;

/// <summary>
/// The core <see cref="LinkScheduler"/> as a hosted service, over the server's links (<see cref="LinkRegistry"/>):
/// scheduled ticks, backoff attempts and the automatic retries of ephemeral incomplete runs, on the server's
/// <see cref="TimeProvider"/>. It shares the <see cref="LinkRunGate"/> with the API's runs, so a tick that finds the
/// link running (whoever started it) starts nothing. It looks again whenever the links change, a link becomes free,
/// a run started through the API (a push included) ends, or a person changes a link's state. It stops as soon as the host is stopping: runs it started finish the batches under
/// way, park their remainder and end Interrupted.
/// </summary>
public sealed class SchedulerService : BackgroundService
{
    private readonly LinkScheduler _scheduler;
    private readonly ILogger<SchedulerService> _logger;
    private readonly LinkRegistry _links;
    private readonly IHostApplicationLifetime? _lifetime;

    public SchedulerService(LinkRegistry links, IRunStore store, IRunQueries queries, IRecoveryStore recovery, LinkRunGate gate, TimeProvider clock,
        ILogger<SchedulerService> logger, IAlertSink? alerts = null, IHostApplicationLifetime? lifetime = null, RunLauncher? launcher = null)
    {
        _logger = logger;
        _lifetime = lifetime;
        _links = links;
        _scheduler = new LinkScheduler(links, new LinkRunner(store, queries, recovery, clock, alerts, events: logger), recovery, clock, gate)
        {
            // An automatic resume runs with the link's current definition; its history says which, as a person's retry does.
            DescribeDefinition = async (link, incomplete, token) =>
                links.Find(link.Id) is { } entry && await queries.GetRunAsync(incomplete.RunId, token) is { } run
                    ? (await links.ForRecoveryAsync(entry, run, original: false, queries, token)).Choice?.Summary
                    : null,
        };
        _scheduler.RunEnded += Ended;
        links.LinksChanged += Wake;
        gate.Freed += _ => Wake();
        // Pushes take no gate: their end (and any remainder they parked) is seen here.
        if (launcher is not null)
            launcher.RunEnded += Wake;
    }

    /// <summary>Makes the scheduler look at the links again now.</summary>
    public void Wake() => _scheduler.Wake();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _lifetime?.ApplicationStopping ?? CancellationToken.None);
        await _scheduler.RunAsync(stopping.Token);
    }

    private void Ended(ScheduledRun run)
    {
        // (A run's end is in the event catalogue, written by the engine.)
        if (run.Failure is { } failure)
            _logger.LogError(failure, "Link {LinkId}: the run for {Trigger} could not run", run.LinkId, run.Trigger);
    }
}
