using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Testing;

/// <summary>
/// A target that keeps what it is given, safe under parallel batches. It can be told to refuse records
/// matching a predicate (a record error with a given classification), to ignore records with a reason, and
/// to throw for a given batch number (a whole-batch failure). Configure it before running.
/// </summary>
public sealed class CollectingTarget : ITarget
{
    private readonly Lock _lock = new();
    private readonly List<Record> _written = [];
    private readonly List<int> _batchesWritten = [];
    private readonly List<(Func<Record, bool> When, ErrorClassification Error)> _refusals = [];
    private readonly List<(Func<Record, bool> When, string Reason)> _ignores = [];
    private readonly Dictionary<int, Exception> _throws = [];
    private int _disposed;

    /// <summary>Awaited at the start of every write, before anything else: lets a test hold a batch "under way".</summary>
    public Func<TargetBatch, CancellationToken, Task>? BeforeWrite { get; set; }

    /// <summary>The records written so far, in the order they were written.</summary>
    public IReadOnlyList<Record> Written
    {
        get
        {
            lock (_lock)
                return [.. _written];
        }
    }

    /// <summary>The batch number of every write call, in call order, including those that threw.</summary>
    public IReadOnlyList<int> BatchesWritten
    {
        get
        {
            lock (_lock)
                return [.. _batchesWritten];
        }
    }

    public bool IsDisposed => Volatile.Read(ref _disposed) == 1;

    /// <summary>Refuses the records matching <paramref name="when"/>, each as a record error with <paramref name="error"/>.</summary>
    public CollectingTarget Refuse(Func<Record, bool> when, ErrorClassification error)
    {
        _refusals.Add((when, error));
        return this;
    }

    /// <summary>Accepts every record again (the cause of the refusals was fixed), and throws no more.</summary>
    public CollectingTarget Fix()
    {
        _refusals.Clear();
        _throws.Clear();
        return this;
    }

    /// <summary>Ignores the records matching <paramref name="when"/> with <paramref name="reason"/> (e.g. "stale").</summary>
    public CollectingTarget IgnoreWhere(Func<Record, bool> when, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        _ignores.Add((when, reason));
        return this;
    }

    /// <summary>Throws <paramref name="exception"/> when asked to write batch <paramref name="batchNumber"/>; nothing of it is written.</summary>
    public CollectingTarget ThrowOnBatch(int batchNumber, Exception exception)
    {
        _throws[batchNumber] = exception;
        return this;
    }

    public async Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        lock (_lock)
            _batchesWritten.Add(batch.BatchNumber);
        if (BeforeWrite is { } before)
            await before(batch, cancellationToken);
        if (_throws.TryGetValue(batch.BatchNumber, out var exception))
            throw exception;

        var issues = new List<TargetRecordIssue>();
        var accepted = new List<Record>(batch.Records.Count);
        for (var index = 0; index < batch.Records.Count; index++)
        {
            var record = batch.Records[index];
            if (_refusals.FirstOrDefault(refusal => refusal.When(record)) is { When: not null } refused)
                issues.Add(new TargetRecordIssue(index, refused.Error));
            else if (_ignores.FirstOrDefault(ignore => ignore.When(record)) is { When: not null } ignored)
                issues.Add(new TargetRecordIssue(index, null, ignored.Reason));
            else
                accepted.Add(record);
        }
        lock (_lock)
            _written.AddRange(accepted);
        return issues.Count == 0 ? TargetWriteResult.AllWritten : new TargetWriteResult(issues);
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }
}
