using Resync.Cli.Output;
using Resync.Core.Storage;
using Resync.Server.Auth;
using Resync.Server.Keys;
using Resync.Server;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync keys create|list|revoke</c>: API keys in the state file (the server sees changes at once).</summary>
internal static class KeyCommands
{
    public static async Task<int> CreateAsync(string? db, string? tenant, bool operatorScope, string name, bool json, CancellationToken cancellationToken)
    {
        if (operatorScope == (tenant is not null))
            throw new CliException(ExitCodes.Usage, "Give either --tenant <name> (a tenant key) or --operator (every tenant).");
        var state = await StateSession.OpenStateAsync(db, Console.Error, cancellationToken);
        await using var runs = state.Runs;
        var keys = await KeysAsync(state, cancellationToken);
        var (record, key) = await keys.CreateAsync(operatorScope ? ApiKeyScope.Operator : ApiKeyScope.Tenant, tenant, name, cancellationToken);
        if (json)
            return JsonOutput.Write(new CreatedKey(key, KeyDocument.From(record)));
        await Console.Error.WriteLineAsync($"Created {record.Scope.ToString().ToLowerInvariant()} key {record.Prefix}{(tenant is null ? "" : $" for tenant {tenant}")}. It is shown once; store it now:");
        Console.Out.WriteLine(key);
        return ExitCodes.Succeeded;
    }

    public static async Task<int> ListAsync(string? db, bool json, CancellationToken cancellationToken)
    {
        var state = await StateSession.OpenStateAsync(db, Console.Error, cancellationToken);
        await using var runs = state.Runs;
        var keys = await KeysAsync(state, cancellationToken);
        var all = await keys.ListAsync(cancellationToken);
        if (json)
            return JsonOutput.Write(all.Select(KeyDocument.From).ToList()); // as GET /api/v1/keys
        var table = new Table().Border(TableBorder.Rounded).AddColumn("prefix").AddColumn("scope").AddColumn("tenant").AddColumn("name").AddColumn("created (UTC)").AddColumn("revoked");
        foreach (var key in all)
        {
            table.AddRow(key.Prefix, key.Scope.ToString(), Markup.Escape(key.Tenant ?? "(all)"), Markup.Escape(key.Name),
                key.CreatedAt.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
                key.RevokedAt?.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) ?? "-");
        }
        AnsiConsole.Write(table);
        return ExitCodes.Succeeded;
    }

    public static async Task<int> RevokeAsync(string? db, string prefix, bool json, CancellationToken cancellationToken)
    {
        var state = await StateSession.OpenStateAsync(db, Console.Error, cancellationToken);
        await using var runs = state.Runs;
        var keys = await KeysAsync(state, cancellationToken);
        if (!await keys.RevokeAsync(prefix, cancellationToken))
            throw new CliException(ExitCodes.Usage, $"There is no valid key '{prefix}'.", "List keys with: resync keys list");
        if (json)
            return JsonOutput.Write(new { revoked = prefix });
        await Console.Error.WriteLineAsync($"Revoked {prefix}.");
        return ExitCodes.Succeeded;
    }

    private static async Task<ApiKeyService> KeysAsync(OpenedState state, CancellationToken cancellationToken)
    {
        await state.Server.InitializeAsync(cancellationToken);
        return new ApiKeyService(state.Server, TimeProvider.System);
    }
}
