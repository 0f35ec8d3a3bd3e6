using Resync.Cli.Output;
using Resync.Core.Runs;

namespace Resync.Cli.Tests;

/// <summary>Console output that reads well at 80 and 120 columns.</summary>
public sealed class TerminalTests : IDisposable
{
    private static readonly RunCounts Busy = new(1_234_567, 1_200_000, 30_000, 4_567, 0, 12_345, 12_346, 17);
    private readonly CliProcess _cli = new();

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void ProgressLine_AtTheConsoleWidth_FitsOnOneLine(int width)
    {
        var line = ProgressLine.Format(12_345, "contacts-from-the-crm-to-the-warehouse", Busy, TimeSpan.FromMinutes(3), width);

        line.Length.ShouldBeLessThan(width);
        line.ShouldStartWith("run 12345");
        line.ShouldContain("read 1,234,567");
        line.ShouldContain("failed 30,000");
    }

    [Fact]
    public void ProgressLine_WideConsole_ShowsEveryCount()
    {
        var line = ProgressLine.Format(7, "contacts", Busy, TimeSpan.FromMinutes(3), 200);

        line.ShouldBe("run 7 · contacts · read 1,234,567 · succeeded 1,200,000 · failed 30,000 · ignored 4,567 · warnings 12,345 · batches 12,346 (17 failed) · 6,859 records/s");
    }

    [Fact]
    public void ProgressLine_FirstSeconds_ShowsNoRate()
    {
        var line = ProgressLine.Format(7, "contacts", new RunCounts(8, 8, 0, 0, 0, 0, 1, 0), TimeSpan.FromMilliseconds(350), 200);

        line.ShouldNotContain("records/s");
    }

    [Fact]
    public void RecordCell_NullAndEmptyAndMissing_LookDifferent()
    {
        var values = JsonNode.Parse("""{ "a": null, "b": "", "c": "x", "d": { "e": "it's" } }""")!.AsObject();

        RunSummaryView.Cell(values, "a").ShouldBe("∅");
        RunSummaryView.Cell(values, "b").ShouldBe("\"\"");
        RunSummaryView.Cell(values, "c").ShouldBe("x");
        RunSummaryView.Cell(values, "d").ShouldBe("""{"e":"it's"}""");
        RunSummaryView.Cell(values, "missing").ShouldBe("");
    }

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public async Task Runs_AtTheConsoleWidth_NoLineIsWiderAndNoWordIsCut(int width)
    {
        await _cli.RunJsonAsync(1, "demo", "--db", _cli.StateFile);
        await _cli.RunJsonAsync(1, "retry", "1", "--db", _cli.StateFile);
        _cli.Environment["COLUMNS"] = width.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exit, output, _) = await _cli.RunAsync("runs", "--db", _cli.StateFile);

        exit.ShouldBe(0);
        output.Split('\n').ShouldAllBe(line => line.TrimEnd().Length <= width);
        output.Split('\n').Count(line => line.Contains("Completed with errors", StringComparison.Ordinal) && line.Contains("demo-contacts", StringComparison.Ordinal)).ShouldBe(2);
    }

    public void Dispose() => _cli.Dispose();
}
