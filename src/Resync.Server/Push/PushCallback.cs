using Resync.Core.Runs;

namespace Resync.Server.Push;

/// <summary>What the callback URL of an asynchronous push receives (POST, JSON) when its run ends.</summary>
public sealed record PushCallback(long PushId, long RunId, string LinkId, string? RequestId, RunStatus Status, RunCounts Counts, string StatusUrl);
