namespace Resync.Server.Push;

/// <summary>
/// In a synchronous push's answer, when the automated replay of its failed records was still going at
/// <see cref="ServerOptions.SyncPushReplayWait"/>: the records it had not written yet answer Failed, and the run tells
/// how it ends (its status becomes Succeeded once the replays have written every failure; its children are the replays).
/// </summary>
/// <param name="Status">Always <c>UnderWay</c>.</param>
/// <param name="Message">What it means for the records that answer Failed, and where to follow them.</param>
/// <param name="RunUrl">The run: its status, and its replays as children.</param>
/// <param name="EventsUrl">The run's live progress stream.</param>
public sealed record PushReplay(string Status, string Message, string RunUrl, string EventsUrl);
