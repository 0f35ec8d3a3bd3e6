using System.Diagnostics;

namespace Resync.Benchmarks;

/// <summary>Samples the managed heap and the working set every few milliseconds and keeps the peaks.</summary>
internal sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakHeap;
    private long _peakWorkingSet;

    public MemorySampler(TimeSpan interval) => _loop = Task.Run(() => LoopAsync(interval));

    public long PeakHeapBytes => Interlocked.Read(ref _peakHeap);

    public long PeakWorkingSetBytes => Interlocked.Read(ref _peakWorkingSet);

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task LoopAsync(TimeSpan interval)
    {
        using var process = Process.GetCurrentProcess();
        using var timer = new PeriodicTimer(interval);
        do
        {
            process.Refresh();
            Max(ref _peakHeap, GC.GetTotalMemory(forceFullCollection: false));
            Max(ref _peakWorkingSet, process.WorkingSet64);
        }
        while (await timer.WaitForNextTickAsync(_stop.Token));
    }

    private static void Max(ref long peak, long value)
    {
        long current;
        while (value > (current = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, current) != current)
        {
        }
    }
}
