namespace Resync.Testing;

/// <summary>
/// Holds the writes of a <see cref="CollectingTarget"/> from one batch on until the test releases them: a run kept under way
/// for as long as the test looks at it, with no wait on time.
/// </summary>
public sealed class HeldBatches
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldBatches()
    {
    }

    /// <summary>Completes when the first held batch comes to be written (one batch at a time, every batch before it is written by then).</summary>
    public Task Reached => _reached.Task;

    /// <summary>Holds the write of batch <paramref name="fromBatch"/> and of every later batch of <paramref name="target"/>.</summary>
    public static HeldBatches From(CollectingTarget target, int fromBatch)
    {
        ArgumentNullException.ThrowIfNull(target);
        var held = new HeldBatches();
        target.BeforeWrite = async (batch, cancellationToken) =>
        {
            if (batch.BatchNumber < fromBatch)
                return;
            held._reached.TrySetResult();
            await held._released.Task.WaitAsync(cancellationToken);
        };
        return held;
    }

    /// <summary>Lets the held writes, and every later one, go on.</summary>
    public void Release() => _released.TrySetResult();
}
