using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Core.Engine;

/// <summary>
/// Processes records through a link's steps and target exactly as a batch of one of its runs, for work that is
/// recorded in a run of its own: the server's composite calls, whose record operations on a link are records of the
/// call's run. Nothing is stored here; the caller keeps what it needs of the result.
/// </summary>
public static class LinkBatch
{
    /// <summary>
    /// Runs the records through the link's steps and, those that pass, to its target in one write. The result keeps
    /// the failed and ignored records (and the succeeded ones per the link's logging level), by position; a non-null
    /// system error means the target cannot take more records now.
    /// </summary>
    public static Task<(BatchResult Result, ResyncError? SystemError)> ProcessAsync(Link link, long runId, IReadOnlyList<Record> records, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var classifier = link.Classifier.WithOverrides(link.Settings.ErrorTypeOverrides);
        return new BatchProcessor(link, classifier, clock).ProcessAsync(runId, new BatchWork(1, null, records), Task.CompletedTask, cancellationToken);
    }
}
