namespace Resync.Core.Storage;

/// <summary>One entry of a run's history (e.g. "Succeeded after retry run 12", "incomplete run discarded").</summary>
public sealed record RunEvent(long RunId, DateTimeOffset At, string Kind, string Message);
