using Resync.Core.Sdk;

namespace Resync.Benchmarks;

/// <summary>A target that writes nothing, so that only the engine and the run store are measured.</summary>
internal sealed class NoOpTarget : ITarget
{
    public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken) => Task.FromResult(TargetWriteResult.AllWritten);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
