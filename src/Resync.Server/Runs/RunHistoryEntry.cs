namespace Resync.Server.Runs;

/// <summary>One entry of a run's history: when, what kind (<c>resolved</c>, <c>parked</c>, <c>discarded</c>, <c>resumed</c>, <c>alert</c>, …) and what happened.</summary>
public sealed record RunHistoryEntry(DateTimeOffset At, string Kind, string Message);
