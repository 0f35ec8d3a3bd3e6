namespace Resync.Server.Push;

/// <summary>
/// Gathers the pushes of one lane (a link, sync or async) into shared runs: while a lane's dispatch is under way (the
/// processor's: until its run has ended), the pushes that arrive wait, and the next run takes all of them, at most <paramref name="maxPerRun"/>.
/// One client alone is never held back; many clients share a run's fixed cost (its run row, batch, target transaction and end)
/// instead of paying it each. With a <paramref name="window"/>, a lane's first push waits that long for others to join it
/// (or until <paramref name="maxPerRun"/> have come). The dispatch answers each item itself and does not throw.
/// </summary>
internal sealed class PushBatcher<T>(Func<IReadOnlyList<T>, Task> dispatch, int maxPerRun, TimeSpan window, TimeProvider clock)
{
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);

    public void Enqueue(string lane, T item)
    {
        Lane? start = null;
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(lane, out var queue))
                _lanes[lane] = queue = new Lane();
            queue.Items.Enqueue(item);
            if (queue.Items.Count >= maxPerRun)
                queue.Full.TrySetResult();
            if (!queue.Draining)
            {
                queue.Draining = true;
                start = queue;
            }
        }
        if (start is not null)
            _ = Task.Run(() => DrainAsync(start), CancellationToken.None);
    }

    /// <summary>How many items of <paramref name="lane"/> wait for its next dispatch.</summary>
    public int Waiting(string lane)
    {
        lock (_lanes)
            return _lanes.TryGetValue(lane, out var queue) ? queue.Items.Count : 0;
    }

    private async Task DrainAsync(Lane lane)
    {
        while (true)
        {
            if (window > TimeSpan.Zero)
            {
                Task full;
                lock (_lanes)
                    full = lane.Full.Task;
                await Task.WhenAny(full, Task.Delay(window, clock)).ConfigureAwait(false);
            }
            var items = new List<T>();
            lock (_lanes)
            {
                while (items.Count < maxPerRun && lane.Items.TryDequeue(out var item))
                    items.Add(item);
                lane.Full = lane.Items.Count >= maxPerRun ? lane.Full : NewSignal(lane.Full);
                if (items.Count == 0)
                {
                    lane.Draining = false;
                    return;
                }
            }
            await dispatch(items).ConfigureAwait(false);
        }
    }

    private static TaskCompletionSource NewSignal(TaskCompletionSource current) =>
        current.Task.IsCompleted ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : current;

    private sealed class Lane
    {
        public Queue<T> Items { get; } = new();

        public bool Draining { get; set; }

        public TaskCompletionSource Full { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
