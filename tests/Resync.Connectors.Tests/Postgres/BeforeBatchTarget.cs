namespace Resync.Connectors.Tests.Postgres;

/// <summary>The real target, with a fault (a reset, an outage) brought on once, just before the given batch is written.</summary>
internal sealed class BeforeBatchTarget(int batch, Func<Task> fault, ITarget target) : ITarget
{
    private int _struck;

    public async Task<TargetWriteResult> WriteAsync(TargetBatch work, CancellationToken cancellationToken)
    {
        if (work.BatchNumber == batch && Interlocked.Exchange(ref _struck, 1) == 0)
            await fault();
        return await target.WriteAsync(work, cancellationToken);
    }

    public ValueTask DisposeAsync() => target.DisposeAsync();
}
