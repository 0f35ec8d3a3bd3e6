using System.Text.Json.Nodes;
using Resync.LinkFiles;
using Resync.Storage.Sqlite;

namespace Resync.Connectors.Tests.Http;

/// <summary>An HTTP endpoint as a link's error target (dead-letter output), over real HTTP on loopback, read from a link file.</summary>
public sealed class HttpErrorTargetTests
{
    private static Link Load(TempDirectory folder, string url) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse($$"""
            name: contacts
            source: { type: demo, records: 200, failingPage: 0 }
            target: { type: demo, path: contacts.db }
            errorTarget: { type: http, url: "{{url}}/dead-letters" }
            settings: { batchSize: 50, parallelism: 2, retry: { attempts: 1 } }
            """, "contacts.yaml", folder.Path).Link.ShouldNotBeNull();

    [Fact]
    public async Task HttpErrorTarget_GetsEachFailedRecordOnce_TheSameIdsWhenRetried_AndKillingItDoesNotFailTheRun()
    {
        using var folder = new TempDirectory("resync-dead-letters");
        var receiver = await FakeApi.StartAsync((http, _) => Task.CompletedTask);
        var link = Load(folder, receiver.Url);
        await using var store = new SqliteRunStore(folder.Combine("state.db"), TimeProvider.System);
        await store.InitializeAsync(CancellationToken.None);
        var runner = new LinkRunner(store, store, store, TimeProvider.System);

        var first = (await runner.RunAsync(link, new RunRequest(RunKind.Manual, "test"))).Run;
        var firstIds = DeadLetterIds(receiver);
        var retry = await runner.RetryFailuresAsync(link, first.RunId);
        var retryIds = DeadLetterIds(receiver).Skip(firstIds.Count).ToList();

        first.Counts.Failed.ShouldBeGreaterThan(0);
        firstIds.Count.ShouldBe((int)first.Counts.Failed, "exactly the failed records");
        firstIds.Distinct().Count().ShouldBe(firstIds.Count, "once each");
        first.ErrorTargetFailures.ShouldBe(0);
        retryIds.Count.ShouldBe((int)retry.Counts.Failed);
        retryIds.ShouldBeSubsetOf(firstIds, "a record failing again in a retry is the same dead letter");

        await receiver.DisposeAsync();
        var unheard = (await runner.RunAsync(link, new RunRequest(RunKind.Manual, "test"))).Run;

        (unheard.Status, unheard.SystemError).ShouldBe((RunStatus.CompletedWithErrors, null));
        unheard.ErrorTargetFailures.ShouldBe((int)unheard.Counts.Failed);
        unheard.Counts.Read.ShouldBe(unheard.Counts.Succeeded + unheard.Counts.Failed + unheard.Counts.Ignored + unheard.Counts.Incomplete);
    }

    private static List<string> DeadLetterIds(FakeApi receiver) =>
        [.. receiver.Requests.Select(request => JsonNode.Parse(request.Body)![DeadLetter.Id]!.GetValue<string>())];
}
