namespace Resync.Connectors.Tests.Http;

/// <summary>The call settings of these tests.</summary>
internal static class TestCalls
{
    /// <summary>
    /// The call timeout: on a clock <see cref="ManualTimeProvider.AdvancingOnDelays"/> it fires only when a test times a call
    /// out; on the system clock (targets without a clock of their own), a safety net against a hang.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    /// <summary>Three attempts, 10 ms base delay (on a clock that advances on delays: no real waiting).</summary>
    public static HttpCallSettings Fast() => new() { RetryAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(10), Timeout = Timeout };
}
