using System.Globalization;
using Resync.Core.Records;
using Resync.Core.Storage;
using Resync.Server.Api;

namespace Resync.Server.Push;

/// <summary>What a push's answer and its status URL both read: the records its run kept, located in the push, and their messages.</summary>
internal static class PushOutcomes
{
    /// <summary>
    /// The records of <paramref name="runId"/> kept with <paramref name="outcome"/> that are the push's (its <paramref name="count"/>
    /// records from the run's record <paramref name="first"/>), each with its index in the push.
    /// </summary>
    public static async Task<List<(int Index, RecordView Record)>> KeptAsync(IRunQueries queries, long runId, OutcomeKind outcome, int first, int count,
        int batchSize, CancellationToken cancellationToken)
    {
        var kept = new List<(int, RecordView)>();
        for (var offset = 0; ; offset += Paging.MaxLimit)
        {
            var page = await queries.ListRecordsAsync(runId, new RecordFilter(outcome, offset, Paging.MaxLimit), cancellationToken);
            foreach (var record in page)
            {
                var index = (record.BatchNumber - 1) * batchSize + record.Position - first;
                if (index >= 0 && index < count)
                    kept.Add((index, record));
            }
            if (page.Count < Paging.MaxLimit)
                return kept;
        }
    }

    /// <summary>A failed record's message: the link's <c>errorMessage</c> template filled in, or the error's own.</summary>
    public static string? Message(string? template, int index, RecordView record)
    {
        var error = record.Error;
        if (template is null || error is null)
            return error?.Message;
        return template
            .Replace("{index}", index.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{key}", record.Key ?? "", StringComparison.Ordinal)
            .Replace("{code}", error.Code, StringComparison.Ordinal)
            .Replace("{type}", error.Type.ToString(), StringComparison.Ordinal)
            .Replace("{field}", string.Join(", ", error.Fields), StringComparison.Ordinal)
            .Replace("{message}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Where an incomplete record waits, after the run stopped with <paramref name="stop"/> (null: the server shut down).</summary>
    public static string IncompleteMessage(Core.Errors.ResyncError? stop, string linkId) =>
        $"not written yet: the run stopped before this record ({(stop is not null ? $"{stop.Code} {stop.Message}" : "the server is shutting down")}); "
        + $"it is kept with its values in the link's incomplete run, which writes it when resumed (GET /api/v1/incomplete-runs?linkId={linkId})";
}
