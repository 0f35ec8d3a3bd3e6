namespace Resync.Connectors.Tests.Demo;

public sealed class DemoContactsSourceTests
{
    private static SourceContext Context(string? watermark = null) => new("demo", 1, watermark, 100, TimeProvider.System);

    [Fact]
    public async Task Pages_AreDeterministic_WithOneFailingPage()
    {
        var source = new DemoContactsSource(1000, failingPage: 3);
        var pages = new List<SourcePage>();
        await foreach (var page in source.ReadAsync(Context(), CancellationToken.None))
            pages.Add(page);

        pages.Count.ShouldBe(10);
        pages[2].Failure.ShouldBeOfType<ResyncException>().Classification.Code.ShouldBe(ErrorCodes.InvalidJson);
        pages.Where(p => p.Failure is null).Sum(p => p.Records.Count).ShouldBe(900);
        pages[0].Records[52]["phone"].ShouldBeOfType<string>().Length.ShouldBeGreaterThan(40);
        pages[0].Records[40]["status"].ShouldBe("archived");
        pages[0].Records[96]["email"].ShouldBe("");
    }

    [Fact]
    public async Task FailedPage_FetchedAgainByCursor_Answers()
    {
        var page = await new DemoContactsSource(1000, failingPage: 3).FetchPageAsync("3", Context(), CancellationToken.None);

        page.Failure.ShouldBeNull();
        page.Records.First().Key.ShouldBe("c-00201");
    }

    [Fact]
    public async Task Watermark_SkipsRecordsNotChangedSince()
    {
        var watermark = DemoContactsSource.Contact(950)["updated_at"] as string;
        var records = new List<string?>();
        await foreach (var page in new DemoContactsSource(1000, failingPage: 0).ReadAsync(Context(watermark), CancellationToken.None))
            records.AddRange(page.Records.Select(r => r.Key));

        records.Count.ShouldBe(50);
        records[0].ShouldBe("c-00951");
    }
}
