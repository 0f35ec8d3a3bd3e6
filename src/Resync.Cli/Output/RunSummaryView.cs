using System.Globalization;
using System.Text.Json.Nodes;
using Resync.Core.Errors;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Spectre.Console;

namespace Resync.Cli.Output;

/// <summary>
/// The console run summary: status and counts first, then what went wrong in order of reach (system error,
/// batch errors, record error groups with a sample and a hint), then failing records before/after.
/// </summary>
internal static class RunSummaryView
{
    public static void Write(IAnsiConsole console, RunView run, IReadOnlyList<ErrorGroupView> groups, IReadOnlyList<RecordView> records, RunLineage? lineage = null)
    {
        var c = run.Counts;
        var duration = run.EndedAt is { } end ? $" in {(end - run.StartedAt).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)}s" : "";
        console.MarkupLine($"[bold]Run {run.Id}[/] of link [bold]{Markup.Escape(run.LinkId)}[/] ({run.Kind}, {Markup.Escape(run.Trigger)}): {Status(run.Status)}{duration}");
        if (run.ParentRunId is { } parent)
            console.MarkupLine($"  parent run: {parent}" + (run.RootRunId is { } root && root != parent ? $" · root run: {root}" : "") +
                (run.CarriesAllFailures ? "" : " · [yellow]carries only part of its parent's failures[/]"));
        if (run.RequestId is { } requestId)
            console.MarkupLine($"  request id: {Markup.Escape(requestId)}");
        if (run.LinkVersion is { } version)
            console.MarkupLine($"  link version: {Markup.Escape(version)}");
        console.MarkupLine(
            $"  read {N(c.Read)} · [green]succeeded {N(c.Succeeded)}[/] · [red]failed {N(c.Failed)}[/] · [grey]ignored {N(c.Ignored)}[/]" +
            (c.Incomplete > 0 ? $" · [yellow]incomplete {N(c.Incomplete)}[/]" : "") +
            $" · warnings {N(c.Warnings)} · batches {c.BatchesTotal} ({c.BatchesFailed} failed)");

        if (run.SystemError is { } system)
        {
            console.WriteLine();
            console.MarkupLine("[bold red]System error[/] (the run stopped):");
            WriteError(console, system);
        }
        if (run.BatchErrors.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine($"[bold red]Batch errors[/] ({run.BatchErrors.Count}):");
            foreach (var batch in run.BatchErrors)
            {
                console.MarkupLine($"  batch {batch.BatchNumber} (cursor {Markup.Escape(batch.Cursor ?? "-")}):");
                WriteError(console, batch.Error, indent: "    ");
            }
        }
        if (groups.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine("[bold red]Record errors[/], grouped:");
            var number = 0;
            foreach (var group in groups)
            {
                number++;
                var fields = group.Fields.Count == 0 ? "" : $" [[{Markup.Escape(string.Join(", ", group.Fields))}]]";
                console.MarkupLine($"  [[{number}]] [bold]{N(group.Count)} record{(group.Count == 1 ? "" : "s")}[/]: {group.Type} {Markup.Escape(group.Code)} at {Markup.Escape(group.Step ?? "-")}{fields}");
                console.MarkupLine($"    e.g. {Markup.Escape(group.SampleKey ?? "?")}: {Markup.Escape(group.SampleMessage)}");
                if (group.Hint is not null)
                    console.MarkupLine($"    [grey]hint: {Markup.Escape(group.Hint)}[/]");
            }
        }
        if (lineage is { Children.Count: > 0 })
        {
            console.WriteLine();
            console.MarkupLine("[bold]Recovery runs[/]:");
            foreach (var child in lineage.Children)
                console.MarkupLine($"  run {child.Id} ({child.Kind}, of run {child.ParentRunId}): {Status(child.Status)} · failed {N(child.Counts.Failed)}");
        }
        if (lineage is { History.Count: > 0 })
        {
            console.WriteLine();
            console.MarkupLine("[bold]History[/]:");
            foreach (var entry in lineage.History)
                console.MarkupLine($"  {entry.At:yyyy-MM-dd HH:mm:ss} {Markup.Escape(entry.Message)}");
        }
        if (records.Count > 0)
        {
            console.WriteLine();
            console.MarkupLine($"[bold]Records[/] (before → after the steps; {Null} is null, \"\" is empty):");
            foreach (var record in records)
                WriteRecord(console, record);
        }
    }

    /// <summary>A status in the console's words and colour (markup).</summary>
    public static string Status(RunStatus status) => status switch
    {
        RunStatus.Succeeded => "[green]Succeeded[/]",
        RunStatus.CompletedWithErrors => $"[yellow]{StatusText(status)}[/]",
        RunStatus.Failed => "[red]Failed[/]",
        RunStatus.Interrupted => "[yellow]Interrupted[/]",
        _ => "[blue]Running[/]",
    };

    /// <summary>A status in the console's words, as plain text ("Completed with errors"; JSON keeps the enum name).</summary>
    public static string StatusText(RunStatus status) => status == RunStatus.CompletedWithErrors ? "Completed with errors" : status.ToString();

    private static void WriteError(IAnsiConsole console, ResyncError error, string indent = "  ")
    {
        console.MarkupLine($"{indent}{error.Type} ({error.Durability.ToString().ToLowerInvariant()}), {Markup.Escape(error.Code)}" +
            (error.Step is null ? "" : $" at {Markup.Escape(error.Step)}") + $": {Markup.Escape(error.Message)}");
        if (error.Hint is not null)
            console.MarkupLine($"{indent}[grey]hint: {Markup.Escape(error.Hint)}[/]");
    }

    private static void WriteRecord(IAnsiConsole console, RecordView record)
    {
        var reason = record.Error is { } error ? $"{error.Code} at {error.Step}: {error.Message}" : record.IgnoreReason is { } why ? $"ignored by {record.IgnoredBy}: {why}" : record.Outcome.ToString();
        console.MarkupLine($"  [bold]{Markup.Escape(record.Key ?? $"#{record.Position}")}[/] (batch {record.BatchNumber}) {Markup.Escape(reason)}");
        foreach (var warning in record.Warnings)
            console.MarkupLine($"    [yellow]warning[/] {Markup.Escape(warning.Message)}");
        if (record.BeforeJson is null)
            return;
        var before = JsonNode.Parse(record.BeforeJson)?.AsObject();
        var after = record.AfterJson is null ? null : JsonNode.Parse(record.AfterJson)?.AsObject();
        var table = new Table().Border(TableBorder.Simple).AddColumn("field").AddColumn("before").AddColumn("after");
        var names = (before?.Select(p => p.Key) ?? []).Concat(after?.Select(p => p.Key) ?? []).Distinct();
        foreach (var name in names)
        {
            var was = Cell(before, name);
            var now = Cell(after, name);
            var mark = record.Error?.Fields.Contains(name) == true ? "[red]" : "[default]";
            table.AddRow($"{mark}{Markup.Escape(name)}[/]", Markup.Escape(Clip(was)), Markup.Escape(Clip(now)));
        }
        console.Write(new Padder(table).PadLeft(4).PadTop(0).PadBottom(0));
    }

    /// <summary>A field as the record table shows it: null as ∅, the empty string as "", a missing field as nothing.</summary>
    internal static string Cell(JsonObject? values, string name)
    {
        if (values is null || !values.TryGetPropertyValue(name, out var value))
            return "";
        if (value is null)
            return Null;
        if (value.GetValueKind() == System.Text.Json.JsonValueKind.String)
            return value.GetValue<string>() is { Length: > 0 } text ? text : "\"\"";
        return value.ToJsonString(CliJson.Compact);
    }

    /// <summary>How the console shows null, distinct from an empty text.</summary>
    public const string Null = "∅";

    private static string Clip(string text) => text.Length <= 70 ? text : string.Concat(text.AsSpan(0, 67), "...");

    /// <summary>A count as the CLI shows it: 1,204.</summary>
    internal static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
