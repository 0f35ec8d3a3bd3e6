using Resync.Core.Engine;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Scheduling;

/// <summary>
/// Starts links on their schedules (cron or interval) on the server's <see cref="TimeProvider"/>. Each link's next
/// time comes from <c>ISchedule.Next</c>; a tick that finds the link's previous run still going starts nothing
/// (and the next time is planned from now). Links deactivated are skipped.
/// </summary>
internal sealed class RunScheduler(LinkRegistry links, RunLauncher launcher, IServerStore serverStore, TimeProvider clock, ILogger<RunScheduler> logger)
    : BackgroundService
{
    private readonly Dictionary<string, (object Schedule, DateTimeOffset Due)> _plan = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = links.Changed;
            var now = clock.GetUtcNow();
            Replan(now);
            foreach (var (linkId, (_, due)) in _plan.Where(pair => pair.Value.Due <= now).ToList())
            {
                await FireAsync(linkId, due, stoppingToken);
                var schedule = links.Find(linkId)?.Link.Trigger.Schedule;
                if (schedule is not null)
                    _plan[linkId] = (schedule, schedule.Next(now));
            }
            var next = _plan.Count == 0 ? (DateTimeOffset?)null : _plan.Values.Min(entry => entry.Due);
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, changed);
            try
            {
                var wait = next is { } at ? at - clock.GetUtcNow() : Timeout.InfiniteTimeSpan;
                if (wait <= TimeSpan.Zero)
                    continue;
                await Task.Delay(wait, clock, wake.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The links changed: plan again.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Adds newly scheduled links (first time: the schedule's next after now), drops removed ones, keeps the rest.</summary>
    private void Replan(DateTimeOffset now)
    {
        var scheduled = links.All.Where(entry => entry.Link.Trigger.Schedule is not null).ToDictionary(entry => entry.Id, StringComparer.Ordinal);
        foreach (var gone in _plan.Keys.Where(id => !scheduled.ContainsKey(id)).ToList())
            _plan.Remove(gone);
        foreach (var (id, entry) in scheduled)
        {
            var schedule = entry.Link.Trigger.Schedule!;
            if (!_plan.TryGetValue(id, out var planned) || !ReferenceEquals(planned.Schedule, schedule))
                _plan[id] = (schedule, schedule.Next(now));
        }
    }

    private async Task FireAsync(string linkId, DateTimeOffset due, CancellationToken cancellationToken)
    {
        var entry = links.Find(linkId);
        if (entry is null)
            return;
        try
        {
            if (await serverStore.GetLinkStateAsync(linkId, cancellationToken) is { IsActive: false })
            {
                logger.LogInformation("Link {LinkId} is deactivated: its scheduled run at {Due:O} is skipped", linkId, due);
                return;
            }
            var run = await launcher.TryStartExclusiveAsync(entry.Link, new RunRequest(RunKind.Scheduled, $"schedule {due:O}"), cancellationToken);
            if (run is null)
                logger.LogWarning("Link {LinkId}: its previous run is still going; the run due at {Due:O} is skipped", linkId, due);
            else
                logger.LogInformation("Link {LinkId}: scheduled run {RunId} started", linkId, run.RunId);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogError(exception, "Link {LinkId}: the scheduled run could not start", linkId);
        }
    }
}
