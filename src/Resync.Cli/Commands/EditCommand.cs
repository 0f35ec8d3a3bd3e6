using Resync.Cli.Output;
using Resync.Core.Records;
using Resync.Core.Recovery;
using Resync.Core.Storage;
using Resync.Server.Recovery;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync edit &lt;run-id&gt; --batch B --position P --set field=value</c>: repairs a failed record by hand before Retry Failures.</summary>
internal static class EditCommand
{
    public static async Task<int> RunAsync(string? db, long runId, int batch, int position, IReadOnlyList<string> assignments, IReadOnlyList<string> removals, bool json,
        CancellationToken cancellationToken)
    {
        RecordAssignments.Check(assignments, removals);
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        _ = await store.GetRunAsync(runId, cancellationToken)
            ?? throw new CliException(ExitCodes.Usage, $"There is no run {runId} in {store.Location}.", "List runs with: resync runs");
        var record = (await store.ListRecordsAsync(runId, new RecordFilter(null, 0, 100_000, batch), cancellationToken)).FirstOrDefault(r => r.Position == position)
            ?? throw new CliException(ExitCodes.Usage, $"Run {runId} kept no record at batch {batch}, position {position}.", $"See its failed records: resync show {runId} --records failed");
        if (record.Outcome != OutcomeKind.Failed)
            throw new CliException(ExitCodes.Usage, $"The record at batch {batch}, position {position} of run {runId} did not fail (it is {record.Outcome}): only failed records are edited for a retry.");
        var edits = await store.GetRecordEditsAsync(runId, cancellationToken);
        var fields = RecordAssignments.ApplyToRecord(edits, record, assignments, removals);
        var runner = new LinkRunner(store, store, store, TimeProvider.System);
        await runner.EditFailedRecordAsync(runId, batch, position, fields, cancellationToken);
        if (json)
            return JsonOutput.Write(EditedRecordDocument.From(record, fields)); // as PATCH /api/v1/runs/{id}/records/{batch}/{position}
        AnsiConsole.MarkupLine($"Edited failed record {Markup.Escape(record.Key ?? "-")} of run {runId}; the next retry (resync retry {runId}) writes these values:");
        AnsiConsole.MarkupLine($"  {Markup.Escape(CliJson.Readable(RecordJson.Serialize(fields)))}");
        return ExitCodes.Succeeded;
    }
}
