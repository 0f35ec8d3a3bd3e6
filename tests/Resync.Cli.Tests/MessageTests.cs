namespace Resync.Cli.Tests;

/// <summary>What the command says when it is used wrongly or when there is little to show: plain words, one message, a way on.</summary>
public sealed class MessageTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task Limit_ZeroOrNegative_IsRefusedWithUsageCode()
    {
        var zero = await _cli.RunFailingAsync(64, "runs", "--limit", "0", "--db", _cli.StateFile);
        var negative = await _cli.RunFailingAsync(64, "show", "1", "--records", "failed", "--limit", "-3", "--db", _cli.StateFile);

        zero.ShouldContain("--limit takes a whole number of at least 1; found '0'.");
        negative.ShouldContain("--limit takes a whole number of at least 1; found '-3'.");
    }

    [Fact]
    public async Task Show_RunIdNotANumber_SaysSoWithoutNamingDotNetTypes()
    {
        var error = await _cli.RunFailingAsync(64, "show", "abc", "--db", _cli.StateFile);

        error.ShouldContain("'abc' is not a run id: run ids are whole numbers from 1.");
        error.ShouldNotContain("System.");
    }

    [Fact]
    public async Task BareResync_ShowsHelp()
    {
        var (exit, output, error) = await _cli.RunAsync();

        exit.ShouldBe(64);
        output.ShouldContain("Usage:");
        output.ShouldContain("Commands:");
        error.ShouldBeEmpty();
    }

    [Fact]
    public async Task UnknownCommand_IsOneErrorWithTheNearestCommand()
    {
        var error = await _cli.RunFailingAsync(64, "sohw", "1");

        error.Split('\n').Count(line => line.StartsWith("error:", StringComparison.Ordinal)).ShouldBe(1);
        error.ShouldContain("error: 'sohw' is not a resync command — did you mean 'show'?");
    }

    [Fact]
    public async Task ShowRecords_SaysHowManyOfHowManyAreShown()
    {
        var demo = await _cli.RunJsonAsync(1, "demo", "--db", _cli.StateFile);
        var failed = demo["counts"]!["failed"]!.GetValue<long>();

        var first = await _cli.RunAsync("show", "1", "--records", "failed", "--db", _cli.StateFile);
        var later = await _cli.RunAsync("show", "1", "--records", "failed", "--offset", "20", "--limit", "5", "--db", _cli.StateFile);

        first.Out.ShouldContain($"20 of {failed} failed records shown — use --limit/--offset for more.");
        later.Out.ShouldContain($"21–25 of {failed} failed records shown — use --limit/--offset for more.");
    }

    [Fact]
    public async Task ShowRecords_OfAnOutcomeTheRunDoesNotHave_SaysSo()
    {
        await _cli.RunDemoLinkAsync(0, "clean", records: 8, failingPage: 0, settings: "{ loggingLevel: all }");

        var (_, output, _) = await _cli.RunAsync("show", "1", "--records", "failed", "--db", _cli.StateFile);

        output.ShouldContain("The run has no failed records.");
        output.ShouldNotContain("logging level None");
    }

    [Fact]
    public async Task Retry_HumanOutput_WritesStatusesInWords()
    {
        await _cli.RunJsonAsync(1, "demo", "--db", _cli.StateFile);

        var (_, output, _) = await _cli.RunAsync("retry", "1", "--db", _cli.StateFile);

        output.ShouldContain("Root run 1 is now Completed with errors.");
        output.ShouldNotContain("CompletedWithErrors");
    }

    public void Dispose() => _cli.Dispose();
}
