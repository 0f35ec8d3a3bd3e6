using System.CommandLine;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using Resync.Cli.Output;
using Resync.Core.Errors;
using Resync.Server;
using Resync.Server.Cluster;

namespace Resync.Cli.Commands;

/// <summary>
/// <c>resync worker</c>: a cluster-mode process that takes batches of any run from the broker and processes them against the
/// shared state, until SIGTERM or Ctrl+C; batches it holds then go back to the broker unacknowledged, for another worker.
/// </summary>
internal static class WorkerCommand
{
    /// <summary>The command, with the settings it shares with <c>resync serve</c> (<paramref name="shared"/>: settings file, links folder, network policy…).</summary>
    public static Command Create(Func<ParseResult, ServeSettings.Flags> flags, IEnumerable<Option> shared, Option<string?> db, Option<bool> json,
        Option<string?> settingsFile, Func<ParseResult, Func<Task<int>>, Task<int>> guard)
    {
        var command = new Command("worker",
            "Take batches of any run from the broker (--broker) and process them on the shared state (--state postgres://…), until SIGTERM. Cluster mode: see docs/cluster.md.");
        foreach (var option in shared)
            command.Options.Add(option);
        command.SetAction((parse, token) => guard(parse, () =>
        {
            var (options, configuration) = ServeSettings.Load(parse.GetValue(settingsFile), parse.GetValue(db), flags(parse));
            return RunAsync(options, configuration, parse.GetValue(json), token);
        }));
        return command;
    }

    public static async Task<int> RunAsync(ServerOptions options, IConfiguration configuration, bool json, CancellationToken cancellationToken)
    {
        IHost host;
        try
        {
            host = await ResyncWorker.BuildAsync(options, configure: builder =>
            {
                builder.Configuration.AddConfiguration(configuration);
                // Standard output is for --json's one line; the log goes to standard error.
                builder.Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace);
                builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
            }, cancellationToken: cancellationToken);
        }
        catch (OptionsValidationException exception)
        {
            throw new CliException(ExitCodes.Usage, "The worker's settings are invalid:", "Settings and their defaults: docs/configuration.md, docs/cluster.md", [.. exception.Failures]);
        }
        catch (ResyncException exception)
        {
            throw new CliException(ExitCodes.Failed, exception.Message, exception.Classification.Hint);
        }
        using (host)
        {
            await host.StartAsync(cancellationToken);
            var broker = ClusterSettings.Broker(options);
            if (json)
            {
                // One line, so that a supervisor (or a test) knows the worker is taking batches.
                var started = new JsonObject
                {
                    ["worker"] = Environment.ProcessId,
                    ["broker"] = ClusterSettings.Describe(options.Broker!),
                    ["queue"] = broker.Queue,
                    ["prefetch"] = broker.Prefetch,
                    ["state"] = StateStores.Describe(options.StateLocation),
                };
                await Console.Out.WriteLineAsync(started.ToJsonString(CliJson.Compact));
                await Console.Out.FlushAsync(cancellationToken);
            }
            else
            {
                await Console.Error.WriteLineAsync($"resync worker: taking batches from {broker.Queue} on {ClusterSettings.Describe(options.Broker!)}, {broker.Prefetch} at a time (state {StateStores.Describe(options.StateLocation)}). Ctrl+C stops.");
            }
            await host.WaitForShutdownAsync(cancellationToken);
        }
        return ExitCodes.Succeeded;
    }
}
