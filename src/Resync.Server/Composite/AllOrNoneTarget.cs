using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Server.Composite;

/// <summary>
/// Wraps a link's transactional target for an all-or-none composite call (one batch holding every record): when a
/// record failed or was ignored in the steps, the batch reaches the target short, so nothing is written and every
/// record that did reach it fails as rolled back. The inner target's own all-or-none covers failures at the target.
/// </summary>
internal sealed class AllOrNoneTarget(ITarget inner, int expected) : ITarget
{
    public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Records.Count == expected)
            return inner.WriteAsync(batch, cancellationToken);
        var rolledBack = new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.RolledBack,
            "not written: another record of this all-or-none call failed in the link's steps", "Fix the failing record, then send the call again.");
        return Task.FromResult(new TargetWriteResult([.. Enumerable.Range(0, batch.Records.Count).Select(index => new TargetRecordIssue(index, rolledBack))]));
    }

    // The link's target is owned by the link, not by this call.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
