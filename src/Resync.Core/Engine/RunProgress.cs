using Resync.Core.Runs;

namespace Resync.Core.Engine;

/// <summary>
/// Live counters of a run in progress, safe to read from another thread (the CLI's progress display,
/// the server's live summary). Updated once per batch, never per record.
/// </summary>
public sealed class RunProgress
{
    private long _read;
    private long _succeeded;
    private long _failed;
    private long _ignored;
    private long _warnings;
    private long _incomplete;
    private int _batches;
    private int _batchesFailed;

    /// <summary>The run's id once the store has opened it (0 before).</summary>
    public long RunId { get; internal set; }

    public RunCounts Snapshot() => new(
        Interlocked.Read(ref _read),
        Interlocked.Read(ref _succeeded),
        Interlocked.Read(ref _failed),
        Interlocked.Read(ref _ignored),
        Interlocked.Read(ref _incomplete),
        Interlocked.Read(ref _warnings),
        Volatile.Read(ref _batches),
        Volatile.Read(ref _batchesFailed));

    internal void AddBatch(int read, int succeeded, int failed, int ignored, int warnings, bool batchFailed, int incomplete = 0)
    {
        Interlocked.Add(ref _incomplete, incomplete);
        Interlocked.Add(ref _read, read);
        Interlocked.Add(ref _succeeded, succeeded);
        Interlocked.Add(ref _failed, failed);
        Interlocked.Add(ref _ignored, ignored);
        Interlocked.Add(ref _warnings, warnings);
        Interlocked.Increment(ref _batches);
        if (batchFailed)
            Interlocked.Increment(ref _batchesFailed);
    }
}
