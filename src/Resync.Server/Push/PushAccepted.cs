namespace Resync.Server.Push;

/// <summary>The answer to an asynchronous push: stored, its run started; poll <paramref name="StatusUrl"/> for progress.</summary>
public sealed record PushAccepted(long PushId, long RunId, string Status, string StatusUrl, string EventsUrl, string? CallbackUrl);
