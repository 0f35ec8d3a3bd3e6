namespace Resync.Dashboard.Tests;

/// <summary>
/// The dashboard with a finished run with errors for each tenant: <c>acme-contacts</c> (tenant acme) and
/// <c>globex-orders</c> (tenant globex), 30 demo contacts each, of which the target refuses three for their phone.
/// </summary>
public class SeededDashboard : DashboardBrowser
{
    public long AcmeRunId { get; private set; }

    public long GlobexRunId { get; private set; }

    protected override async Task SeedAsync()
    {
        Server.Target.Refuse(record => ServerHarness.RefusedContacts.Contains(record.Key!), ServerHarness.PhoneRefused);
        await Server.PutLinkAsync(Server.AcmeKey, "acme-contacts", ServerHarness.DemoLink("acme-contacts"));
        await Server.PutLinkAsync(Server.GlobexKey, "globex-orders", ServerHarness.DemoLink("globex-orders"));
        AcmeRunId = Id(await Server.RunToEndAsync(Server.AcmeKey, "acme-contacts"));
        GlobexRunId = Id(await Server.RunToEndAsync(Server.GlobexKey, "globex-orders"));
    }

    private static long Id(JsonNode run) => run["id"]!.GetValue<long>();
}
