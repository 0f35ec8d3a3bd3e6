using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Scheduling;
using Resync.Core.Storage;
using Resync.Core.Engine;
using Resync.Server.Cluster;
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
    private readonly ISchedulerLease? _lease;
    private volatile bool _active;

    public SchedulerService(LinkRegistry links, IRunStore store, IRunQueries queries, IRecoveryStore recovery, LinkRunGate gate, TimeProvider clock,
        ILogger<SchedulerService> logger, IAlertSink? alerts = null, IHostApplicationLifetime? lifetime = null, RunLauncher? launcher = null,
        ISchedulerLease? lease = null, IBatchDispatcherFactory? dispatchers = null)
    {
        _logger = logger;
        _lifetime = lifetime;
        _links = links;
        _lease = lease;
        _scheduler = new LinkScheduler(links, new LinkRunner(store, queries, recovery, clock, alerts, dispatchers, events: logger), recovery, clock, gate)
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
        // Pushes take no gate: their end (and any remainder they parked) is seen here. A run that wrote every record leaves the
        // scheduler nothing to do: under a stream of pushes, a look (every link's state read) per run was most of its cost.
        if (launcher is not null)
            launcher.RunEnded += result =>
            {
                if (result is not { Status: RunStatus.Succeeded, Counts.Incomplete: 0, ParkedError: null, SystemError: null })
                    Wake();
            };
    }

    /// <summary>Makes the scheduler look at the links again now.</summary>
    public void Wake() => _scheduler.Wake();

    /// <summary>Whether this server's scheduler is running: always without a lease (embedded mode), while it holds it in a cluster.</summary>
    public bool IsActive => _active;

    /// <summary>Raised when this server's scheduler becomes active (true) or stands by (false).</summary>
    public event Action<bool>? ActiveChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _lifetime?.ApplicationStopping ?? CancellationToken.None);
        if (_lease is null)
        {
            SetActive(true);
            await _scheduler.RunAsync(stopping.Token);
            return;
        }
        // Cluster mode: only the lease's holder schedules, so that two servers never start the same tick; a standby takes over
        // when the holder's session with the database ends (it died), and a holder that loses its session stops at once.
        ServerLog.SchedulerStandingBy(_logger);
        while (!stopping.IsCancellationRequested)
        {
            CancellationToken held;
            try
            {
                held = await _lease.AcquireAsync(stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            using var active = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, held);
            ServerLog.SchedulerActive(_logger);
            SetActive(true);
            await _scheduler.RunAsync(active.Token);
            SetActive(false);
            if (!stopping.IsCancellationRequested)
                ServerLog.SchedulerLost(_logger);
        }
    }

    private void SetActive(bool active)
    {
        _active = active;
        ActiveChanged?.Invoke(active);
    }

    private void Ended(ScheduledRun run)
    {
        // (A run's end is in the event catalogue, written by the engine.)
        if (run.Failure is { } failure)
            ServerLog.ScheduledRunNotRun(_logger, failure, run.LinkId, run.Trigger);
    }
}
