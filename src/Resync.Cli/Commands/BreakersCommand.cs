using System.Net.Http.Headers;
using System.Net.Http.Json;
using Resync.Cli.Output;
using Resync.Connectors.Breakers;
using Resync.Server.Api;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary>
/// <c>resync breakers</c>: the circuit breakers of a running server (they live in its memory, not in the state), read from
/// <c>GET /api/v1/breakers</c> with the API key in <c>RESYNC_API_KEY</c> (an environment variable: a key on the command line
/// would be in the shell's history and the process list).
/// </summary>
internal static class BreakersCommand
{
    public const string KeyVariable = "RESYNC_API_KEY";

    public static async Task<int> ListAsync(string server, bool json, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var root) || (root.Scheme != Uri.UriSchemeHttp && root.Scheme != Uri.UriSchemeHttps))
            throw new CliException(ExitCodes.Usage, $"--server must be the server's http or https address, e.g. http://127.0.0.1:5080; found '{server}'.");
        var key = Environment.GetEnvironmentVariable(KeyVariable);
        if (string.IsNullOrWhiteSpace(key))
            throw new CliException(ExitCodes.Usage, $"Set {KeyVariable} to an API key of the server (a tenant key shows its tenant's breakers, an operator key all).",
                "Create one with: resync keys create --operator --name ops");
        using var http = new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Page<ConnectionBreakerState> document;
        try
        {
            using var response = await http.GetAsync("api/v1/breakers?limit=1000", cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new CliException(ExitCodes.Failed, $"{root} answered {(int)response.StatusCode} {response.ReasonPhrase} to GET /api/v1/breakers.",
                    (int)response.StatusCode == 401 ? $"Check the key in {KeyVariable}." : "Check --server and the server's logs.");
            document = (await response.Content.ReadFromJsonAsync<Page<ConnectionBreakerState>>(System.Text.Json.JsonSerializerOptions.Web, cancellationToken))!;
        }
        catch (HttpRequestException exception)
        {
            throw new CliException(ExitCodes.Failed, $"Could not reach the server at {root}: {exception.Message}", "Is resync serve running there? Give its address with --server.");
        }
        if (json)
            return JsonOutput.Write(document);
        if (document.Items.Count == 0)
        {
            await Console.Error.WriteLineAsync("No connection has been called yet: no breakers.");
            return ExitCodes.Succeeded;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumn("tenant").AddColumn("connection").AddColumn("state").AddColumn("opened (UTC)");
        foreach (var breaker in document.Items)
        {
            table.AddRow(Markup.Escape(breaker.Tenant), Markup.Escape(breaker.Connection), breaker.State == "closed" ? "closed" : $"[red]{breaker.State}[/]",
                breaker.OpenedAt?.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }
        AnsiConsole.Write(table);
        return ExitCodes.Succeeded;
    }
}
