using Microsoft.Extensions.DependencyInjection;
using Resync.Server.Api;

namespace Resync.Server.Tests.Api;

/// <summary>Idempotency-Key on a run start: the work once, the first answer again, another request refused, no lock kept.</summary>
public sealed class IdempotencyGateTests
{
    private const string Link = """
        name: contacts
        source: { type: demo, records: 5 }
        target: { type: collect }
        """;

    [Fact]
    public async Task SameKeySameRequest_StartsOneRun_AndAnswersTheFirstAnswerAgain()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "contacts", Link);
        using var client = server.Client(server.AcmeKey);

        var first = await StartAsync(client, "key-1", "/api/v1/links/contacts/runs");
        var again = await StartAsync(client, "key-1", "/api/v1/links/contacts/runs");

        first.Status.ShouldBe(HttpStatusCode.Accepted);
        again.Status.ShouldBe(HttpStatusCode.Accepted);
        again.Body["statusUrl"]!.GetValue<string>().ShouldBe(first.Body["statusUrl"]!.GetValue<string>());
    }

    [Fact]
    public async Task SameKeyOtherRequest_Is422()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "contacts", Link);
        await server.PutLinkAsync(server.AcmeKey, "others", Link.Replace("contacts", "others", StringComparison.Ordinal));
        using var client = server.Client(server.AcmeKey);

        await StartAsync(client, "key-1", "/api/v1/links/contacts/runs");
        var other = await StartAsync(client, "key-1", "/api/v1/links/others/runs");

        other.Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        other.Body["code"]!.GetValue<string>().ShouldBe("idempotency-key-reused");
    }

    [Fact]
    public async Task KeyLongerThan255Characters_Is400_AndStartsNoRun()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "contacts", Link);
        using var client = server.Client(server.AcmeKey);

        var refused = await StartAsync(client, new string('k', 256), "/api/v1/links/contacts/runs");

        refused.Status.ShouldBe(HttpStatusCode.BadRequest);
        refused.Body["code"]!.GetValue<string>().ShouldBe("invalid-idempotency-key");
        (await ServerHarness.JsonAsync(await client.GetAsync("/api/v1/runs")))["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task KeysAnswered_KeepNoLock()
    {
        // Regression: the gate kept a semaphore for every key it ever saw, for the life of the process.
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "contacts", Link);
        using var client = server.Client(server.AcmeKey);

        for (var i = 0; i < 3; i++)
            await StartAsync(client, $"key-{i}", "/api/v1/links/contacts/runs");

        server.Services.GetRequiredService<IdempotencyGate>().KeysInUse.ShouldBe(0);
    }

    private static async Task<(HttpStatusCode Status, JsonNode Body)> StartAsync(HttpClient client, string key, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        request.Headers.Add(IdempotencyGate.Header, key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await ServerHarness.JsonAsync(response));
    }
}
