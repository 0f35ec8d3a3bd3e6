using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Observability;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// Writes one run's batch and record events from what the store accepted, so that a log sink never reports what the run
/// summary does not hold; the same goes for the metrics (<see cref="ResyncMetrics"/>). Record keys and messages go out only when the link opts in (<see cref="LinkSettings.LogRecordValues"/>).
/// </summary>
internal sealed class RunEvents(ILogger logger, long runId, Link link, string? requestId)
{
    private readonly bool _values = link.Settings.LogRecordValues;

    public void BatchStored(BatchResult result)
    {
        Count(result, Tags(link));
        if (result.Error is { Scope: not ErrorScope.Record } error && result.Status == BatchStatus.Failed)
        {
            ResyncEvents.BatchFailed(logger, result.BatchNumber, runId, link.Id, link.Tenant, error.Scope.ToString(), error.Type.ToString(),
                error.Durability.ToString(), error.Code, error.Step, error.Message, requestId);
        }
        // Per-record events cost a pass over the outcomes: skipped when nobody listens.
        if (result.Outcomes.Count == 0 || !logger.IsEnabled(LogLevel.Information) && !logger.IsEnabled(LogLevel.Warning))
            return;
        foreach (var outcome in result.Outcomes)
            Record(result.BatchNumber, outcome);
    }

    private static void Count(BatchResult result, TagList tags)
    {
        ResyncMetrics.RecordsRead.Add(result.Read, tags);
        Add("succeeded", result.Succeeded);
        Add("failed", result.Failed);
        Add("ignored", result.Ignored);
        Add("incomplete", result.Incomplete);
        tags.Add("status", result.Status.ToString());
        ResyncMetrics.Batches.Add(1, tags);

        void Add(string outcome, long count)
        {
            if (count == 0)
                return;
            var withOutcome = tags;
            withOutcome.Add("outcome", outcome);
            ResyncMetrics.Records.Add(count, withOutcome);
        }
    }

    /// <summary>Counts one call to the link's source or target (<paramref name="connector"/>): its duration, and its error type when it failed as a whole.</summary>
    public static void ConnectorCalled(Link link, string connector, TimeSpan duration, ErrorType? error)
    {
        var tags = Tags(link);
        tags.Add("connector", connector);
        var timed = tags;
        timed.Add("outcome", error is null ? "ok" : "error");
        ResyncMetrics.ConnectorCallDuration.Record(duration.TotalSeconds, timed);
        if (error is { } type)
        {
            tags.Add("error_type", type.ToString());
            ResyncMetrics.ConnectorErrors.Add(1, tags);
        }
    }

    /// <summary>The labels every run metric has: the link and its tenant (bounded by the links configured).</summary>
    public static TagList Tags(Link link) => new() { { "link", link.Id }, { "tenant", link.Tenant } };

    private void Record(int batchNumber, RecordOutcome outcome)
    {
        var key = _values ? outcome.Key : null;
        if (outcome is { Kind: OutcomeKind.Failed, Error: { } error })
        {
            ResyncEvents.RecordFailed(logger, outcome.Position, batchNumber, runId, link.Id, link.Tenant, error.Type.ToString(), error.Durability.ToString(),
                error.Code, error.Step, string.Join(',', error.Fields), key, _values ? error.Message : null, requestId);
        }
        else if (outcome.Kind == OutcomeKind.Ignored)
        {
            ResyncEvents.RecordIgnored(logger, outcome.Position, batchNumber, runId, link.Id, link.Tenant, outcome.IgnoredBy, key,
                _values ? outcome.IgnoreReason : null, requestId);
        }
        foreach (var warning in outcome.Warnings)
        {
            ResyncEvents.RecordWarning(logger, outcome.Position, batchNumber, runId, link.Id, link.Tenant, warning.Code, warning.Step, warning.Field, key,
                _values ? warning.Message : null, requestId);
        }
    }

    /// <summary>The run's end: its system error (if any), then its counts, at a level that says how it went.</summary>
    public static void Finished(ILogger logger, long runId, Link link, RunRequest request, RunStatus status, RunCounts counts, ResyncError? systemError,
        TimeSpan duration)
    {
        if (systemError is { } error)
        {
            ResyncEvents.RunSystemError(logger, runId, link.Id, link.Tenant, error.Type.ToString(), error.Durability.ToString(), error.Code, error.Step,
                error.Message, request.RequestId);
        }
        var level = status switch
        {
            RunStatus.Succeeded => LogLevel.Information,
            RunStatus.Failed => LogLevel.Error,
            _ => LogLevel.Warning,
        };
        var tags = Tags(link);
        tags.Add("kind", request.Kind.ToString());
        tags.Add("status", status.ToString());
        ResyncMetrics.Runs.Add(1, tags);
        ResyncMetrics.RunDuration.Record(duration.TotalSeconds, tags);
        ResyncEvents.RunFinished(logger, level, runId, link.Id, link.Tenant, request.Trigger, status.ToString(), counts.Read, counts.Succeeded, counts.Failed,
            counts.Ignored, counts.Incomplete, counts.Warnings, counts.BatchesFailed, counts.BatchesTotal, (long)duration.TotalMilliseconds, request.Kind.ToString(),
            request.RequestId, systemError?.Code);
    }
}
