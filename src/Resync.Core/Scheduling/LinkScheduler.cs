using System.Collections.Concurrent;
using System.Globalization;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Recovery;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Core.Scheduling;

/// <summary>
/// Starts runs when they are due, on its <see cref="TimeProvider"/>: scheduled ticks (cron or interval), backoff
/// attempts after ephemeral failures (instead of the ticks, until a run completes), and the automatic retries of
/// ephemeral incomplete runs, whatever parked them, at their <c>nextAttemptAt</c>. A link never runs twice at once: a tick
/// that comes while it runs is skipped. Deactivated links are left alone, their incomplete runs included (they wait, and
/// are retried once the link is activated). A host that starts runs of its own (a server's API) shares a
/// <see cref="LinkRunGate"/> with the scheduler, so that neither starts a link the other is running.
/// </summary>
public sealed class LinkScheduler(ILinkSet links, LinkRunner runner, IRecoveryStore recovery, TimeProvider clock, LinkRunGate? gate = null)
{
    private readonly LinkRunGate _gate = gate ?? new LinkRunGate();

    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ISchedule Schedule, DateTimeOffset Next)> _ticks = new(StringComparer.Ordinal);
    private readonly WakeableWait _wake = new();

    /// <summary>When the scheduler last looked (or started): a link's first tick is the first one after it, so none is missed.</summary>
    private DateTimeOffset? _lastLook;

    /// <summary>
    /// Says which definition of its link an automatic resume of an incomplete run runs with, and what changed since the run it
    /// resumes, in words kept in the resume run's history (null, or a null answer: nothing is said).
    /// </summary>
    public Func<Link, IncompleteRunView, CancellationToken, Task<string?>>? DescribeDefinition { get; init; }

    /// <summary>Called after each run the scheduler started has ended (on the run's thread).</summary>
    public event Action<ScheduledRun>? RunEnded;

    /// <summary>Runs until cancelled; then waits for the runs under way (which end as their cancellation says).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _lastLook ??= clock.GetUtcNow();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var next = await StartDueRunsAsync(cancellationToken);
                await _wake.WaitAsync(next, clock, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(_running.Values);
    }

    /// <summary>Makes the scheduler look again now (e.g. the set of links changed).</summary>
    public void Wake() => _wake.Wake();

    /// <summary>Starts every run that is due; returns when the next one will be.</summary>
    internal async Task<DateTimeOffset?> StartDueRunsAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var since = _lastLook ?? now;
        _lastLook = now;
        DateTimeOffset? earliest = null;

        var current = links.Links.ToDictionary(l => l.Id, StringComparer.Ordinal);
        var deactivated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var gone in _ticks.Keys.Where(id => !current.ContainsKey(id)).ToList())
            _ticks.Remove(gone);

        var remainders = await recovery.ListIncompleteAsync(new IncompleteFilter(Statuses: [IncompleteStatus.Scheduled], Limit: 1000), cancellationToken);
        var resuming = remainders.Where(r => DueAt(r, now) <= now).Select(r => r.LinkId).ToHashSet(StringComparer.Ordinal);
        foreach (var link in current.Values)
        {
            var health = (await recovery.GetLinkAsync(link.Id, cancellationToken))?.Health ?? LinkHealth.Healthy;
            if (health.State == LinkState.Deactivated)
                deactivated.Add(link.Id);
            else
                earliest = Earlier(earliest, StartDueTick(link, health, since, now, resuming.Contains(link.Id), cancellationToken));
        }
        foreach (var incomplete in remainders)
        {
            if (current.TryGetValue(incomplete.LinkId, out var link) && !deactivated.Contains(link.Id))
                earliest = Earlier(earliest, StartDueRemainder(link, incomplete, now, cancellationToken));
        }
        return earliest;
    }

    /// <summary>
    /// Starts a link's scheduled tick or backoff attempt when it is due; returns when the link is due next (null: not on the
    /// scheduler's clock).
    /// </summary>
    /// <param name="resuming">A remainder of the link is due now: it goes first, as a tick would read again from the watermark what the remainder holds.</param>
    private DateTimeOffset? StartDueTick(Link link, LinkHealth health, DateTimeOffset since, DateTimeOffset now, bool resuming, CancellationToken cancellationToken)
    {
        var tick = NextTick(link, since);
        if (health.NextAttemptAt is { } attemptAt)
        {
            // Backing off: the attempts replace the ticks until a run completes; a tick that falls inside is dropped, not
            // fired after the attempt.
            if (tick is { } skipped && skipped <= now)
                _ticks[link.Id] = (_ticks[link.Id].Schedule, _ticks[link.Id].Schedule.Next(now));
            if (attemptAt > now)
                return attemptAt;
            var attempt = $"backoff attempt {health.BackoffAttempts + 1}";
            Start(link, attempt, async token => (await runner.RunAsync(link, new RunRequest(RunKind.Scheduled, attempt), null, token)).Run, cancellationToken);
            return null;
        }
        if (tick is not { } due)
            return null;
        if (due > now)
            return due;
        var schedule = _ticks[link.Id].Schedule;
        var next = schedule.Next(now);
        _ticks[link.Id] = (schedule, next);
        if (!resuming)
            Start(link, $"schedule {schedule}", async token => (await runner.RunAsync(link, new RunRequest(RunKind.Scheduled, $"schedule {schedule}"), null, token)).Run, cancellationToken);
        return next;
    }

    /// <summary>Starts the automatic retry of an incomplete run when it is due; returns when it is due otherwise.</summary>
    private DateTimeOffset? StartDueRemainder(Link link, IncompleteRunView incomplete, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (DueAt(incomplete, now) is not { } due)
            return null;
        if (due > now)
            return due;
        var trigger = string.Create(CultureInfo.InvariantCulture, $"automatic retry of incomplete run {incomplete.Id}");
        Start(link, trigger, async token => await runner.RetryIncompleteAsync(link, incomplete.Id, null, token,
            DescribeDefinition is { } describe ? await describe(link, incomplete, token) : null), cancellationToken);
        return null;
    }

    private static DateTimeOffset? Earlier(DateTimeOffset? earliest, DateTimeOffset? due) =>
        earliest is { } e && (due is not { } d || e <= d) ? e : due;

    /// <summary>
    /// When a remainder is due on this scheduler's clock. One parked due at once (its run stopped by its caller) was written
    /// with the parking process's clock, which may be ahead of this one's: a remainder due no later than it was parked (both
    /// times from that one clock) is due now, so that a tick never goes before it and reads again what it holds.
    /// </summary>
    private static DateTimeOffset? DueAt(IncompleteRunView incomplete, DateTimeOffset now) =>
        incomplete.NextAttemptAt is { } at && at <= incomplete.CreatedAt ? now : incomplete.NextAttemptAt;

    private DateTimeOffset? NextTick(Link link, DateTimeOffset since)
    {
        if (link.Trigger.Schedule is not { } schedule)
        {
            _ticks.Remove(link.Id);
            return null;
        }
        if (!_ticks.TryGetValue(link.Id, out var tick) || !ReferenceEquals(tick.Schedule, schedule))
        {
            tick = (schedule, schedule.Next(since));
            _ticks[link.Id] = tick;
        }
        return tick.Next;
    }

    private void Start(Link link, string trigger, Func<CancellationToken, Task<RunResult>> run, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_gate.TryEnter(link.Id))
            return; // still running (started by the scheduler or by its host): never twice at once
        _running[link.Id] = done.Task;
        var startedAt = clock.GetUtcNow();
        _ = Task.Run(async () =>
        {
            ScheduledRun ended;
            try
            {
                ended = new ScheduledRun(link.Id, trigger, startedAt, await run(cancellationToken), null);
            }
            catch (Exception exception)
            {
                ended = new ScheduledRun(link.Id, trigger, startedAt, null, exception);
            }
            _running.TryRemove(link.Id, out _);
            _gate.Exit(link.Id);
            done.SetResult();
            _wake.Wake();
            RunEnded?.Invoke(ended);
        }, CancellationToken.None);
    }
}
