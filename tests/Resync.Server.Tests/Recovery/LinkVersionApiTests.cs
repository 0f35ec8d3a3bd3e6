namespace Resync.Server.Tests.Recovery;

/// <summary>Each run names its link version; a retry uses the link's current document unless <c>definition=original</c>, and says which and what changed.</summary>
public sealed class LinkVersionApiTests
{
    // The demo's names are "Contact 1" to "Contact 30": from Contact 10 on they are 10 characters, one too many.
    private static string Link(bool truncate) => $$"""
        name: names
        source: { type: demo, records: 30, failingPage: 0 }
        steps:
        {{(truncate ? "  - truncate: { field: name, maxLength: 9 }\n" : "")}}  - validate: { field: name, maxLength: 9 }
        target: { type: collect }
        settings: { batchSize: 10, parallelism: 1 }
        """;

    [Fact]
    public async Task Retry_AfterTheDocumentWasFixed_UsesIt_AndDefinitionOriginal_UsesTheRunsOwn_EachRunNamingItsVersion()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "names", Link(truncate: false));
        using var client = server.Client(server.AcmeKey);
        var rootId = await RecoveryApiTests.StartAsync(client, "names");
        var root = await RecoveryApiTests.FinishedAsync(client, rootId);
        root["counts"]!["failed"]!.GetValue<long>().ShouldBe(21);
        var failedVersion = root["linkVersion"]!.GetValue<string>();
        await server.PutLinkAsync(server.AcmeKey, "names", Link(truncate: true));

        using var refused = await client.PostAsync($"/api/v1/runs/{rootId}/retry?definition=newest", null);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ServerHarness.JsonAsync(refused))["code"]!.GetValue<string>().ShouldBe("invalid-definition");

        // The run's own definition fails the same records again.
        using var original = await client.PostAsync($"/api/v1/runs/{rootId}/retry?definition=original", null);
        original.StatusCode.ShouldBe(HttpStatusCode.Accepted, await original.Content.ReadAsStringAsync());
        var originalAnswer = await ServerHarness.JsonAsync(original);
        originalAnswer["definition"]!["definition"]!.GetValue<string>().ShouldBe("original");
        originalAnswer["definition"]!["version"]!.GetValue<string>().ShouldBe(failedVersion);
        var fixedVersion = originalAnswer["definition"]!["currentVersion"]!.GetValue<string>();
        fixedVersion.ShouldNotBe(failedVersion);
        var originalRun = await RecoveryApiTests.FinishedAsync(client, originalAnswer["runId"]!.GetValue<long>());
        originalRun["linkVersion"]!.GetValue<string>().ShouldBe(failedVersion);
        originalRun["counts"]!["failed"]!.GetValue<long>().ShouldBe(21);

        // By default the current document: it truncates first, so every record goes through, and the answer says what changed.
        using var current = await client.PostAsync($"/api/v1/runs/{rootId}/retry", null);
        current.StatusCode.ShouldBe(HttpStatusCode.Accepted, await current.Content.ReadAsStringAsync());
        var currentAnswer = await ServerHarness.JsonAsync(current);
        var definition = currentAnswer["definition"]!;
        definition["definition"]!.GetValue<string>().ShouldBe("current");
        definition["version"]!.GetValue<string>().ShouldBe(fixedVersion);
        definition["runVersion"]!.GetValue<string>().ShouldBe(failedVersion);
        definition["changes"]!.AsArray().Select(c => c!.GetValue<string>()).ShouldBe(["+ steps[0]: {truncate: {field: name, maxLength: 9}}"]);
        var retried = await RecoveryApiTests.FinishedAsync(client, currentAnswer["runId"]!.GetValue<long>());
        retried["status"]!.GetValue<string>().ShouldBe("Succeeded");
        retried["linkVersion"]!.GetValue<string>().ShouldBe(fixedVersion);
        retried["history"]!.AsArray().ShouldContain(e => e!["kind"]!.GetValue<string>() == "definition"
            && e["message"]!.GetValue<string>().Contains($"run {rootId} ran with version {failedVersion}", StringComparison.Ordinal));
    }

}
