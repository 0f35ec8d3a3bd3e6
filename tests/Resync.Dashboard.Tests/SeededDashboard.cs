using System.Text.Json.Nodes;
using Resync.Core.Errors;

namespace Resync.Dashboard.Tests;

/// <summary>
/// The dashboard with a finished run with errors for each tenant: <c>acme-contacts</c> (tenant acme) and
/// <c>globex-orders</c> (tenant globex), 30 demo contacts each, of which the target refuses three for their phone.
/// </summary>
public class SeededDashboard : DashboardBrowser
{
    public static readonly ErrorClassification PhoneRefused =
        new(ErrorType.Data, Durability.Durable, "CHECK_VIOLATION", "the target's check constraint refused the phone", "Widen the phone column or shorten the value.", ["phone"]);

    public static readonly HashSet<string> Refused = ["c-00003", "c-00013", "c-00025"];

    public long AcmeRunId { get; private set; }

    public long GlobexRunId { get; private set; }

    public static string DemoLink(string id, int records = 30) => $$"""
        name: {{id}}
        source: { type: demo, records: {{records}}, failingPage: 0 }
        target: { type: collect }
        settings: { batchSize: 10, parallelism: 1 }
        """;

    protected override async Task SeedAsync()
    {
        Server.Target.Refuse(record => Refused.Contains(record.Key!), PhoneRefused);
        await Server.PutLinkAsync(Server.AcmeKey, "acme-contacts", DemoLink("acme-contacts"));
        await Server.PutLinkAsync(Server.GlobexKey, "globex-orders", DemoLink("globex-orders"));
        AcmeRunId = Id(await Server.RunToEndAsync(Server.AcmeKey, "acme-contacts"));
        GlobexRunId = Id(await Server.RunToEndAsync(Server.GlobexKey, "globex-orders"));
    }

    private static long Id(JsonNode run) => run["id"]!.GetValue<long>();
}
