using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resync.Cli.Output;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync links</c>: every link the state file knows, with its health and last successful sync.</summary>
internal static class LinksCommand
{
    public static async Task<int> ListAsync(string? db, bool json, CancellationToken cancellationToken)
    {
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        var links = await store.ListLinksAsync(null, cancellationToken);
        if (json)
        {
            var array = new JsonArray([.. links.Select(l => (JsonNode)new JsonObject
            {
                ["id"] = l.Id,
                ["tenant"] = l.Tenant,
                ["health"] = JsonSerializer.SerializeToNode(Server.Links.LinkHealthDocument.From(l.Health), CliJson.Options), // as the API's link document
                ["watermark"] = l.Watermark,
                ["lastRunId"] = l.LastRunId,
                ["definitionPath"] = l.Definition?.Path,
            })]);
            Console.Out.WriteLine(new JsonObject { ["links"] = array }.ToJsonString(CliJson.Options));
            return ExitCodes.Succeeded;
        }
        if (links.Count == 0)
        {
            AnsiConsole.MarkupLine("No links have run yet. Try: resync demo");
            return ExitCodes.Succeeded;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("link").AddColumn("tenant").AddColumn("state").AddColumn("last successful sync (watermark)")
            .AddColumn("last run").AddColumn("failures in a row").AddColumn("next attempt (UTC)");
        foreach (var link in links)
        {
            var state = link.Health.State == Core.Links.LinkState.Active ? "[green]Active[/]" : $"[red]Deactivated[/]: {Markup.Escape(link.Health.StateReason ?? "")}";
            table.AddRow(Markup.Escape(link.Id), Markup.Escape(link.Tenant), state, Markup.Escape(link.Watermark ?? "(none yet)"),
                link.LastRunId?.ToString(CultureInfo.InvariantCulture) ?? "-",
                $"{link.Health.ConsecutiveFailures} (backoff {link.Health.BackoffAttempts})",
                link.Health.NextAttemptAt?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-");
        }
        AnsiConsole.Write(table);
        return ExitCodes.Succeeded;
    }
}
