using System.Globalization;
using System.Text.Json;
using Resync.Cli.Output;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Runs;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync runs</c> and <c>resync show</c>: read run state without running anything.</summary>
internal static class RunQueryCommands
{
    public static async Task<int> ListAsync(string? db, string? linkId, string? status, int limit, bool json, CancellationToken cancellationToken)
    {
        RunStatus? statusFilter = null;
        if (status is not null)
        {
            if (!Enum.TryParse<RunStatus>(status, ignoreCase: true, out var parsed))
                throw new CliException(ExitCodes.Usage, $"'{status}' is not a run status; use one of {string.Join(", ", Enum.GetNames<RunStatus>())}");
            statusFilter = parsed;
        }
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var runs = await store.ListRunsAsync(new RunFilter(linkId, null, statusFilter, 0, limit), cancellationToken);
        // The API's list document (GET /api/v1/runs), from the same builder: one page of the newest runs.
        if (json)
            return JsonOutput.Write(Page<RunDocument>.Of(await RunDocument.ListAsync(store, runs, _ => null, cancellationToken), 0, limit));
        if (runs.Count == 0)
        {
            AnsiConsole.MarkupLine($"No runs yet in {Markup.Escape(store.Location)}. Try: resync demo");
            return ExitCodes.Succeeded;
        }
        var table = RunTable.Build(runs, AnsiConsole.Profile.Width);
        AnsiConsole.Write(table);
        return ExitCodes.Succeeded;
    }

    public static async Task<int> ShowAsync(string? db, long runId, string? records, int limit, int offset, bool json, CancellationToken cancellationToken)
    {
        OutcomeKind? outcome = null;
        var wantRecords = records is not null;
        if (records is not null && records != "all")
        {
            if (!Enum.TryParse<OutcomeKind>(records, ignoreCase: true, out var parsed))
                throw new CliException(ExitCodes.Usage, $"'{records}' is not an outcome; use failed, ignored, succeeded, incomplete or all");
            outcome = parsed;
        }
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var run = await store.GetRunAsync(runId, cancellationToken)
            ?? throw new CliException(ExitCodes.Usage, $"There is no run {runId} in {store.Location}.", "List runs with: resync runs");
        var kept = wantRecords ? await store.ListRecordsAsync(runId, new RecordFilter(outcome, offset, limit), cancellationToken) : [];
        if (json)
        {
            // The API's run document (GET /api/v1/runs/{id}); with --records, the records as /runs/{id}/records gives them.
            var document = JsonSerializer.SerializeToNode(await RunDocument.ReadAsync(store, store, run, null, cancellationToken), CliJson.Options)!.AsObject();
            if (wantRecords)
                document["records"] = JsonSerializer.SerializeToNode(kept.Select(RecordDocument.From), CliJson.Options);
            JsonOutput.Write(document);
        }
        else
        {
            var groups = await store.ListErrorGroupsAsync(runId, cancellationToken);
            var lineage = await RunLineage.ReadAsync(store, run, cancellationToken);
            RunSummaryView.Write(AnsiConsole.Console, run, groups, kept, lineage);
            if (wantRecords)
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(RecordPage.Describe(run.Counts, outcome, offset, limit, kept.Count))}[/]");
        }
        return RunReport.ExitCodeOf(run.Status);
    }

}
