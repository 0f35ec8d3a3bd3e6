namespace Resync.Core.Sdk;

/// <summary>
/// Where a link's records go. <see cref="WriteAsync"/> is called for several batches at once.
/// Records the target refuses one by one are returned as issues; throwing fails the whole batch
/// (or, for connection and credential failures, the run).
/// </summary>
public interface ITarget : IAsyncDisposable
{
    /// <summary>Writes one batch and says which records it did not write, and why.</summary>
    Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken);
}
