using System.Globalization;
using Resync.Core.Sdk;

namespace Resync.Samples.Plugin;

/// <summary>
/// A target of your own: writes one line per record to a text writer. Batches arrive in parallel, so writes
/// take turns; a record refused on purpose is reported as ignored with a reason.
/// </summary>
public sealed class TextLogTarget(TextWriter output, string prefix) : ITarget
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
    {
        var issues = new List<TargetRecordIssue>();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var i = 0; i < batch.Records.Count; i++)
            {
                var record = batch.Records[i];
                if (record["fahrenheit"] is decimal fahrenheit && fahrenheit > 70)
                {
                    issues.Add(new TargetRecordIssue(i, null, "too hot to log"));
                    continue;
                }
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{prefix}{record.Key}: {record["fahrenheit"]} °F"));
            }
        }
        finally
        {
            _gate.Release();
        }
        return new TargetWriteResult(issues);
    }

    public ValueTask DisposeAsync()
    {
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
