using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Samples.Plugin;
using Resync.Storage.Sqlite;
using Resync.Testing;

namespace Resync.LinkFiles.Tests.Samples;

/// <summary>The plug-in SDK sample, run end to end: its own source, step and target, named in its link file.</summary>
public sealed class PluginSampleTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-sample");

    [Fact]
    public async Task SampleLink_RunsItsOwnComponents_WithTheEngine_AndKeepsStateInSqlite()
    {
        var state = _folder.Combine("state.db");
        using var output = new StringWriter();

        var result = await SampleRunner.RunAsync(Path.Combine(AppContext.BaseDirectory, "sensors.link.yaml"), state, output);

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(25, 18, 2, 5, 0, 0, 3, 0));
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(18);
        lines.ShouldContain("reading sensor-001: 61.7 °F");

        await using var store = new SqliteRunStore(state);
        await store.InitializeAsync(CancellationToken.None);
        var failed = await store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed), CancellationToken.None);
        failed.Select(r => r.Key).ShouldBe(["sensor-010", "sensor-020"], ignoreOrder: true);
        failed.ShouldAllBe(r => r.Error!.Code == "NO_READING" && r.Error.Step == "fahrenheit(celsius)");
        var ignored = await store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Ignored), CancellationToken.None);
        ignored.Select(r => r.IgnoreReason).Distinct().ShouldBe(["sensor 13 is being serviced", "too hot to log"], ignoreOrder: true);
    }

    public void Dispose() => _folder.Dispose();
}
