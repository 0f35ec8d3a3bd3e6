using Resync.Connectors.Demo;
using Resync.Connectors.Files;
using Resync.Connectors.Http;
using Resync.Connectors.Network;
using Resync.Connectors.Push;
using Resync.Connectors.Sqlite;
using Resync.Core.Sdk;
using Resync.Core.Steps;

namespace Resync.Connectors;

/// <summary>Registers the built-in sources and targets with a link-file catalog.</summary>
public static class BuiltInConnectors
{
    private static readonly KeySpec Path = new("path", ValueKind.Text, "The SQLite file (relative to the link file's folder).") { Required = true, FilePath = true };

    /// <summary>
    /// A catalog with every built-in step, source and target. The HTTP and PostgreSQL connectors connect only where
    /// <paramref name="network"/> allows (default: anywhere, as for the CLI on a person's own machine).
    /// </summary>
    /// <param name="breakers">The connections' circuit breakers, shared by every link the catalog builds (default: new ones).</param>
    public static ComponentCatalog CreateCatalog(OutboundNetworkPolicy? network = null, Breakers.ConnectionBreakers? breakers = null)
    {
        breakers ??= new Breakers.ConnectionBreakers(TimeProvider.System);
        return new ComponentCatalog().AddBuiltInSteps().AddBuiltInConnectors(network, breakers).AddHttpConnectors(network, breakers).AddFileConnectors().AddPushConnectors();
    }

    /// <param name="breakers">The circuit breakers PostgreSQL connections are opened through (default: none).</param>
    public static ComponentCatalog AddBuiltInConnectors(this ComponentCatalog catalog, OutboundNetworkPolicy? network = null, Breakers.ConnectionBreakers? breakers = null) => catalog
        .AddSource("demo", "A built-in contacts API stand-in with bad records of every kind and one failing page.",
            new ConfigSchema(
                new KeySpec("records", ValueKind.Integer, "How many contacts it serves.") { Default = "3000" },
                new KeySpec("failingPage", ValueKind.Integer, "The page that answers with an HTML error page (0: none).") { Default = "7" }),
            (config, _) =>
            {
                var total = config.Integer("records", 3000);
                if (total < 0)
                    config.Problem("records", $"must be 0 or more, found {total}");
                return new DemoContactsSource(total, config.Integer("failingPage", 7));
            })
        .AddTarget("demo", "The demo's SQLite contacts table (created when missing), with constraints the demo's bad records break.",
            new ConfigSchema(Path),
            (config, context) =>
            {
                context.AddClassifier(SqliteExceptionClassifier.Instance);
                return DemoTarget.Open(config.ResolvePath(config.Text("path", "")), config.Trust.CheckBeforeOpen);
            })
        .AddSqlConnectors(network, breakers);
}
