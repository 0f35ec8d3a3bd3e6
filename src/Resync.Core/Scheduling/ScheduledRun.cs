using Resync.Core.Engine;

namespace Resync.Core.Scheduling;

/// <summary>A run the scheduler started, and how it ended.</summary>
/// <param name="LinkId">The link.</param>
/// <param name="Trigger">Why it ran: the schedule, a backoff attempt, or an incomplete run's automatic retry.</param>
/// <param name="StartedAt">When the scheduler started it.</param>
/// <param name="Result">How it ended (null when it could not start: the exception is in <paramref name="Failure"/>).</param>
/// <param name="Failure">Why it could not run, if it threw.</param>
public sealed record ScheduledRun(string LinkId, string Trigger, DateTimeOffset StartedAt, RunResult? Result, Exception? Failure);
