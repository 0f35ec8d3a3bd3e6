using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Resync.Cli.Output;
using Resync.Server;
using Resync.Server.Cluster;

namespace Resync.Cli.Commands;

/// <summary><c>resync serve</c>: the server (API, push endpoint, scheduler) on the state file, until SIGTERM or Ctrl+C.</summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(ServerOptions options, IConfiguration configuration, bool json, CancellationToken cancellationToken)
    {
        // Signals are the host's to handle (System.CommandLine's would end the process after 2 s, mid-shutdown).
        await using var app = await ResyncServer.BuildAsync(options, configure: builder =>
        {
            builder.Configuration.AddConfiguration(configuration);
            builder.Services.AddSingleton<IHostLifetime, SignalLifetime>();
        }, cancellationToken: cancellationToken);
        await app.StartAsync(cancellationToken);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [options.Urls];
        if (json)
        {
            // One line, so that a supervisor can read where the server listens (port 0 included) and the settings it runs with.
            var started = new JsonObject
            {
                ["listening"] = new JsonArray([.. addresses.Select(a => (JsonNode)JsonValue.Create(a))]),
                ["stateFile"] = options.DatabasePath,
                ["state"] = StateStores.Describe(options.StateLocation),
                ["settings"] = Settings(options),
            };
            if (options.Broker is { } broker)
                started["broker"] = ClusterSettings.Describe(broker);
            await Console.Out.WriteLineAsync(started.ToJsonString(CliJson.Compact));
            await Console.Out.FlushAsync(cancellationToken);
        }
        else
        {
            await Console.Error.WriteLineAsync($"resync serve: listening on {string.Join(", ", addresses)} (state {StateStores.Describe(options.StateLocation)}{(options.Broker is { } broker ? $", cluster mode: batches to the workers through {ClusterSettings.Describe(broker)}" : "")}); API under /api/v1, OpenAPI at /openapi/v1.json. Ctrl+C stops.");
        }
        await app.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Succeeded;
    }

    /// <summary>Every setting as the server runs with it, but passwords (the certificate's, the database's): secrets are never printed.</summary>
    private static JsonObject Settings(ServerOptions options)
    {
        var settings = JsonSerializer.SerializeToNode(options, CliJson.Options)!.AsObject();
        if (options.KeyRingCertificatePassword is not null)
            settings[CliJson.Options.PropertyNamingPolicy?.ConvertName(nameof(ServerOptions.KeyRingCertificatePassword)) ?? nameof(ServerOptions.KeyRingCertificatePassword)] = "********";
        if (options.State is { } state)
            settings[CliJson.Options.PropertyNamingPolicy?.ConvertName(nameof(ServerOptions.State)) ?? nameof(ServerOptions.State)] = StateStores.Describe(state);
        if (options.Broker is { } broker)
            settings[CliJson.Options.PropertyNamingPolicy?.ConvertName(nameof(ServerOptions.Broker)) ?? nameof(ServerOptions.Broker)] = ClusterSettings.Describe(broker);
        return settings;
    }
}
