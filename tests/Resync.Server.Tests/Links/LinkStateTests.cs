namespace Resync.Server.Tests.Links;

/// <summary>A person deactivates and activates a link through the API: one writer of its state, the recovery store.</summary>
public sealed class LinkStateTests
{
    [Fact]
    public async Task LinkThatNeverRan_DeactivatedWithAReason_RefusesRuns_UntilActivated()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "contacts", "name: contacts\nsource: { type: demo, records: 5 }\ntarget: { type: collect }\n");
        using var client = server.Client(server.AcmeKey);

        using var deactivated = await client.PostAsync("/api/v1/links/contacts/deactivate",
            ServerHarness.Json("{\"reason\": \"maintenance\"}"));
        var document = await ServerHarness.JsonAsync(deactivated);
        (document["state"]!.GetValue<string>(), document["stateReason"]!.GetValue<string>()).ShouldBe(("Deactivated", "maintenance"));
        using var refused = await client.PostAsync("/api/v1/links/contacts/runs", null);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using var activated = await client.PostAsync("/api/v1/links/contacts/activate", null);
        (await ServerHarness.JsonAsync(activated))["state"]!.GetValue<string>().ShouldBe("Active");
        (await server.RunToEndAsync(server.AcmeKey, "contacts"))["status"]!.GetValue<string>().ShouldBe("Succeeded");
    }
}
