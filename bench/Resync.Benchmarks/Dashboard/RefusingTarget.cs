using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Benchmarks.Dashboard;

/// <summary>
/// A target that writes nothing and refuses one record in <see cref="Every"/> (by its position in the batch), as a record
/// error of one of two kinds: the run summary then has error groups and thousands of failed records to page through.
/// </summary>
internal sealed class RefusingTarget : ITarget
{
    public const int Every = 50;

    private static readonly ErrorClassification Phone = new(ErrorType.Data, Durability.Durable, "CHECK_VIOLATION",
        "the target's check constraint refused the phone", "Widen the phone column or shorten the value.", ["phone"]);

    private static readonly ErrorClassification Email = new(ErrorType.Data, Durability.Durable, "NOT_NULL_VIOLATION",
        "the target needs an email", "Fill in the email.", ["email"]);

    public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        var issues = new List<TargetRecordIssue>();
        for (var i = 0; i < batch.Records.Count; i += Every)
            issues.Add(new TargetRecordIssue(i, i % (2 * Every) == 0 ? Phone : Email));
        return Task.FromResult(issues.Count == 0 ? TargetWriteResult.AllWritten : new TargetWriteResult(issues));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
