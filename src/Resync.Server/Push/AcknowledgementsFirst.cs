namespace Resync.Server.Push;

/// <summary>
/// Lets a burst's acknowledgements go before its runs: an asynchronous lane's next run waits while pushes are being stored
/// (<see cref="Storing"/> called, their commit not yet <see cref="Committed"/>), so the commits that answer the <c>202</c>s take
/// the cores first and the runs follow, larger. A wait ends once nothing is being stored (a lone client's pushes, the end of a
/// burst: at once) or once <c>budget</c> more pushes have been acknowledged since it began, so runs still go on during a
/// burst that never pauses and nothing waits forever. Counted in commits, not time: nothing waits on a clock.
/// </summary>
internal sealed class AcknowledgementsFirst
{
    // Pushes handed to the saver and not yet committed (or refused); every push acknowledged so far; completed at each commit's end.
    private int _storing;
    private long _acknowledged;
    private TaskCompletionSource _committed = NewSignal();

    /// <summary>A push is handed to the saver: until its commit ends, runs wait (at most as <see cref="WaitAsync"/> says).</summary>
    public void Storing() => Interlocked.Increment(ref _storing);

    /// <summary>A commit of <paramref name="pushes"/> pushes has ended, stored or refused.</summary>
    public void Committed(int pushes)
    {
        Interlocked.Add(ref _acknowledged, pushes);
        Interlocked.Add(ref _storing, -pushes);
        Interlocked.Exchange(ref _committed, NewSignal()).TrySetResult();
    }

    /// <summary>Returns once nothing is being stored, or once <paramref name="budget"/> pushes have been acknowledged since the call, or once <paramref name="stop"/> says so.</summary>
    public async Task WaitAsync(long budget, Func<bool> stop)
    {
        var until = Volatile.Read(ref _acknowledged) + budget;
        while (true)
        {
            // Taken before the checks: a commit ending between them completes this task, so none is missed.
            var next = Volatile.Read(ref _committed).Task;
            if (Volatile.Read(ref _storing) <= 0 || Volatile.Read(ref _acknowledged) >= until || stop())
                return;
            await next.ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
