using Resync.Connectors.Push;
using Resync.Core.Sdk;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Push;

public sealed class PushSourceTests
{
    private static readonly Record[] FiveRecords =
        [.. Enumerable.Range(0, 5).Select(i => new Record($"k{i}", new Dictionary<string, object?> { ["id"] = $"k{i}" }))];

    [Fact]
    public async Task WithRecords_FirstPageInHand_IsThePageARunReadsFirst()
    {
        var source = new PushSource().WithRecords(FiveRecords);
        var context = new SourceContext("orders", 1, null, 2, TimeProvider.System);

        var first = ((IFirstPageInHandSource)source).FirstPage(2).ShouldNotBeNull();
        var read = await source.ReadAsync(context, CancellationToken.None).FirstAsync();

        first.Cursor.ShouldBe(read.Cursor);
        first.Records.Select(record => record.Key).ShouldBe(read.Records.Select(record => record.Key));
        first.Records.Select(record => record.Key).ShouldBe(["k0", "k1"]);
    }

    [Fact]
    public void WithRecords_FirstPageIsAll_OnlyWhenThePushFitsInOneBatch()
    {
        var inHand = (IFirstPageInHandSource)new PushSource().WithRecords(FiveRecords);

        inHand.FirstPageIsAll(2).ShouldBeFalse();
        inHand.FirstPageIsAll(5).ShouldBeTrue();
        inHand.FirstPageIsAll(1000).ShouldBeTrue();
    }

    [Fact]
    public void WithRecords_NotFirstBatchWithRun_OrNoRecords_HasNoFirstPageInHand()
    {
        // An asynchronous push's run notes its first batch on its own (docs/server.md); an empty push has no batch to note.
        ((IFirstPageInHandSource)new PushSource().WithRecords(FiveRecords, firstBatchWithRun: false)).FirstPage(2).ShouldBeNull();
        ((IFirstPageInHandSource)new PushSource().WithRecords([])).FirstPage(2).ShouldBeNull();
    }
}
