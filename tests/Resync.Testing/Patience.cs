namespace Resync.Testing;

/// <summary>
/// How long a test waits for work on other threads or processes before it fails instead of hanging: a safety net
/// against a hang, never what a test measures (long enough for a machine running several suites at once).
/// </summary>
public static class Patience
{
    /// <summary>Five minutes.</summary>
    public static TimeSpan Limit { get; } = TimeSpan.FromMinutes(5);
}
