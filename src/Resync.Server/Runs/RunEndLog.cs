using Resync.Core.Engine;
using Resync.Core.Runs;

namespace Resync.Server.Runs;

/// <summary>
/// The log line of a run's end, the same for every run the server starts (API, push, composite, scheduler): a warning
/// unless the run Succeeded, so that log-based monitoring sees failed records and failed runs.
/// </summary>
internal static class RunEndLog
{
    public static void Write(ILogger logger, string linkId, string? tenant, string trigger, RunResult result)
    {
        var counts = result.Counts;
        logger.Log(result.Status == RunStatus.Succeeded ? LogLevel.Information : LogLevel.Warning,
            "Run {RunId} of link {LinkId} (tenant {Tenant}, {Trigger}) ended {Status}: {Read} read, {Succeeded} succeeded, {Failed} failed, {Ignored} ignored{SystemError}",
            result.RunId, linkId, tenant ?? "?", trigger, result.Status, counts.Read, counts.Succeeded, counts.Failed, counts.Ignored,
            result.SystemError is { } error ? $"; {error.Code} {error.Message}" : "");
    }
}
