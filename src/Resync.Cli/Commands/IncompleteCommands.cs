using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resync.Cli.Output;
using Resync.Core.Records;
using Resync.Core.Recovery;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Recovery;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync incomplete list|show|retry|edit|discard</c>: the remainders of runs that stopped partway.</summary>
internal static class IncompleteCommands
{
    private const int ListLimit = 1000;

    public static async Task<int> ListAsync(string? db, bool all, bool json, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var statuses = all ? Enum.GetValues<IncompleteStatus>() : null;
        var items = await store.ListIncompleteAsync(new IncompleteFilter(Statuses: statuses, Limit: ListLimit), cancellationToken);
        if (json)
        {
            return JsonOutput.Write(Page<IncompleteRunDocument>.Of([.. items.Select(IncompleteRunDocument.From)], 0, ListLimit));
        }
        if (items.Count == 0)
        {
            AnsiConsole.MarkupLine(all ? "No incomplete runs." : "No open incomplete runs (use --all to see resolved and discarded ones).");
            return ExitCodes.Succeeded;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("id").AddColumn("run").AddColumn("link").AddColumn("status")
            .AddColumn("why it stopped").AddColumn("attempts").AddColumn("next attempt (UTC)");
        foreach (var item in items)
        {
            table.AddRow(item.Id.ToString(CultureInfo.InvariantCulture), item.RunId.ToString(CultureInfo.InvariantCulture), Markup.Escape(item.LinkId),
                item.Status.ToString(), Markup.Escape($"{item.Error.Type} {item.Error.Code}: {item.Error.Message}"),
                item.Attempts.ToString(CultureInfo.InvariantCulture), item.NextAttemptAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "-");
        }
        AnsiConsole.Write(table);
        return ExitCodes.Succeeded;
    }

    public static async Task<int> ShowAsync(string? db, long id, int limit, int offset, bool json, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var item = await Get(store, id, cancellationToken);
        // The API's document (GET /api/v1/incomplete-runs/{id}), from the same builder.
        if (json)
            return JsonOutput.Write(await IncompleteRunDetail.ReadAsync(store, store, item, offset, limit, cancellationToken));
        var filter = new RecordFilter(Offset: offset, Limit: limit) { Outcomes = [OutcomeKind.Failed, OutcomeKind.Incomplete] };
        var records = await store.ListRecordsAsync(item.RunId, filter, cancellationToken);
        var total = await store.CountRecordsAsync(item.RunId, filter, cancellationToken);
        var edits = await store.GetIncompleteEditsAsync(id, cancellationToken);
        AnsiConsole.MarkupLine($"[bold]Incomplete run {item.Id}[/] — remainder of run {item.RunId} of link [bold]{Markup.Escape(item.LinkId)}[/]: {item.Status}");
        AnsiConsole.MarkupLine($"  stopped by {item.Error.Type} ({item.Error.Durability.ToString().ToLowerInvariant()}) {Markup.Escape(item.Error.Code)}: {Markup.Escape(item.Error.Message)}");
        if (item.Error.Hint is { } hint)
            AnsiConsole.MarkupLine($"  [grey]hint: {Markup.Escape(hint)}[/]");
        AnsiConsole.MarkupLine($"  attempts {item.Attempts}" + (item.NextAttemptAt is { } next ? $" · next automatic attempt {next:yyyy-MM-dd HH:mm:ss} UTC" : "") +
            (item.ResumeCursor is { } cursor ? $" · unread pages after cursor {Markup.Escape(cursor)}" : ""));
        if (item.Note is { } note)
            AnsiConsole.MarkupLine($"  note: {Markup.Escape(note)}");
        AnsiConsole.MarkupLine($"  {RunSummaryView.N(total)} failed or unprocessed record(s) in it{(edits.Count > 0 ? $", {edits.Count} edited" : "")}:");
        foreach (var record in records)
        {
            var values = edits.GetValueOrDefault((record.BatchNumber, record.Position)) ?? record.BeforeJson;
            values = values is null ? "(no snapshot)" : CliJson.Readable(values);
            AnsiConsole.MarkupLine($"    batch {record.BatchNumber} position {record.Position} [bold]{Markup.Escape(record.Key ?? "-")}[/]" +
                $"{(edits.ContainsKey((record.BatchNumber, record.Position)) ? " [green](edited)[/]" : "")}: {Markup.Escape(record.Error?.Message ?? "")}");
            AnsiConsole.MarkupLine($"      [grey]{Markup.Escape(values)}[/]");
        }
        if (records.Count > 0 || offset > 0)
            AnsiConsole.MarkupLine($"  [grey]{Markup.Escape(records.Count > 0 ? RecordPage.Shown(total, "records", offset, limit, records.Count) : $"No records after the first {RunSummaryView.N(offset)}: it carries {RunSummaryView.N(total)}.")}[/]");
        AnsiConsole.MarkupLine($"[grey]Fix a record: resync incomplete edit {id} --batch B --position P --set field=value · retry: resync incomplete retry {id} · discard: resync incomplete discard {id}[/]");
        return ExitCodes.Succeeded;
    }

    public static async Task<int> RetryAsync(string? db, IReadOnlyList<long> ids, bool all, bool json, bool original, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var targets = await Select(store, ids, all, cancellationToken);
        var exit = ExitCodes.Succeeded;
        foreach (var item in targets)
        {
            var run = (await store.GetRunAsync(item.RunId, cancellationToken))!;
            var (link, definition) = await LinkLoader.ForRecoveryAsync(store, run, original, cancellationToken);
            await using var target = link.Target;
            var runner = new LinkRunner(store, store, store, TimeProvider.System);
            if (!json)
            {
                AnsiConsole.MarkupLine($"Retrying incomplete run {item.Id} (remainder of run {item.RunId})…");
                RunReport.WriteDefinition(definition);
            }
            var code = await RunReport.FollowAsync(store, link, json, progress => runner.RetryIncompleteAsync(link, item.Id, progress, cancellationToken),
                async result =>
                {
                    await RunReport.KeepDefinitionAsync(store, result.RunId, definition);
                    return [];
                });
            if (!json && item.NotRecovered is { } unread)
                AnsiConsole.MarkupLine($"[yellow]Not recovered by this resume.[/] {Markup.Escape(unread)}");
            exit = Math.Max(exit, code);
        }
        return exit;
    }

    public static async Task<int> EditAsync(string? db, long id, int batch, int position, IReadOnlyList<string> assignments, IReadOnlyList<string> removals, bool json, CancellationToken cancellationToken)
    {
        RecordAssignments.Check(assignments, removals);
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var item = await Get(store, id, cancellationToken);
        var edits = await store.GetIncompleteEditsAsync(id, cancellationToken);
        var record = (await store.ListRecordsAsync(item.RunId, new RecordFilter(null, 0, 100_000, batch), cancellationToken)).FirstOrDefault(r => r.Position == position && InRemainder(r))
            ?? throw new CliException(ExitCodes.Usage, $"Incomplete run {id} has no failed record at batch {batch}, position {position} (see `resync incomplete show {id}`).");
        var fields = RecordAssignments.ApplyToRecord(edits, record, assignments, removals);
        var runner = new LinkRunner(store, store, store, TimeProvider.System);
        await runner.EditIncompleteRecordAsync(id, batch, position, fields, cancellationToken);
        if (json)
            return JsonOutput.Write(IncompleteRecordDocument.From(id, record, await store.GetIncompleteEditsAsync(id, cancellationToken))); // as PUT /api/v1/incomplete-runs/{id}/records/{batch}/{position}
        AnsiConsole.MarkupLine($"Edited record {Markup.Escape(record.Key ?? "-")} of incomplete run {id}; it is written with these values at the next retry:");
        AnsiConsole.MarkupLine($"  {Markup.Escape(CliJson.Readable(RecordJson.Serialize(fields)))}");
        return ExitCodes.Succeeded;
    }

    public static async Task<int> DiscardAsync(string? db, IReadOnlyList<long> ids, bool all, string? reason, bool json, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var runner = new LinkRunner(store, store, store, TimeProvider.System);
        var discarded = new List<IncompleteRunView>();
        foreach (var item in await Select(store, ids, all, cancellationToken))
        {
            await runner.DiscardIncompleteAsync(item.Id, reason, cancellationToken);
            discarded.Add(item);
            if (!json)
                AnsiConsole.MarkupLine($"Discarded incomplete run {item.Id} (remainder of run {item.RunId}); the run's history says so.");
        }
        return json ? JsonOutput.Write(new { discarded = discarded.Select(d => new { incompleteRunId = d.Id, runId = d.RunId }) }) : ExitCodes.Succeeded;
    }

    private static async Task<IReadOnlyList<IncompleteRunView>> Select(IRecoveryStore store, IReadOnlyList<long> ids, bool all, CancellationToken cancellationToken)
    {
        if (all == (ids.Count > 0))
            throw new CliException(ExitCodes.Usage, "Give incomplete run ids, or --all for every open one.");
        if (all)
            return await store.ListIncompleteAsync(new IncompleteFilter(Limit: 100_000), cancellationToken);
        var items = new List<IncompleteRunView>();
        foreach (var id in ids)
        {
            var item = await Get(store, id, cancellationToken);
            if (item.Status.IsClosed())
                throw new CliException(ExitCodes.Usage, $"Incomplete run {id} is {item.Status.ToString().ToLowerInvariant()} already.");
            items.Add(item);
        }
        return items;
    }

    /// <summary>The records an incomplete run carries: those that failed, and those the run never got to.</summary>
    private static bool InRemainder(RecordView record) => record.Outcome is OutcomeKind.Failed or OutcomeKind.Incomplete;

    private static async Task<IncompleteRunView> Get(IRecoveryStore store, long id, CancellationToken cancellationToken) =>
        await store.GetIncompleteAsync(id, cancellationToken)
        ?? throw new CliException(ExitCodes.Usage, $"There is no incomplete run {id}.", "List them with: resync incomplete list");
}
