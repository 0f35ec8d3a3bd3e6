using Resync.Storage.Sqlite;

namespace Resync.Core.Tests.Engine;

/// <summary>
/// A run engine on a real SQLite state file in a temp folder, with a manual clock. Every run it makes is
/// checked for the accounting rule: the store's counts equal the engine's, Read = Succeeded + Failed + Ignored,
/// and the batches add up to the run.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string LinkId = "contacts";

    /// <summary>How long a test waits for a coordinated step before it fails instead of hanging.</summary>
    public static readonly TimeSpan Patience = Resync.Testing.Patience.Limit;

    private readonly TempDirectory _directory = new("resync-engine");

    private EngineHarness()
    {
        Store = new SqliteRunStore(_directory.Combine("state.db"), Clock);
        Engine = new RunEngine(Store, Clock, events: Events);
    }

    public ManualTimeProvider Clock { get; } = new();

    /// <summary>The events the engine wrote (the catalogue's run, batch and record events).</summary>
    public CollectedEvents Events { get; } = new();

    public SqliteRunStore Store { get; }

    public RunEngine Engine { get; }

    public static async Task<EngineHarness> StartAsync()
    {
        var harness = new EngineHarness();
        await harness.Store.InitializeAsync(CancellationToken.None);
        return harness;
    }

    /// <summary>A link named <see cref="LinkId"/>; two batches at once unless the settings say otherwise.</summary>
    public static Link Link(ISource source, ITarget target, LinkSettings? settings = null, params IStep[] steps) =>
        new(LinkId, source, steps, target, settings ?? new LinkSettings { Parallelism = 2 });

    /// <summary>Runs the link and checks that every record read is accounted for, in the result and in the store alike.</summary>
    public async Task<RunResult> RunAsync(Link link, CancellationToken cancellationToken = default)
    {
        var result = await Engine.RunAsync(link, new RunRequest(RunKind.Manual, "test"), cancellationToken: cancellationToken);
        await ShouldBeAccountedForAsync(result, link);
        return result;
    }

    public async Task<RunView> GetRunAsync(long runId) =>
        (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();

    public Task<IReadOnlyList<BatchView>> BatchesAsync(long runId) => Store.ListBatchesAsync(runId, 0, 10_000, CancellationToken.None);

    public Task<IReadOnlyList<RecordView>> RecordsAsync(long runId, OutcomeKind? outcome = null) =>
        Store.ListRecordsAsync(runId, new RecordFilter(outcome, 0, 10_000), CancellationToken.None);

    public Task<IReadOnlyList<ErrorGroupView>> ErrorGroupsAsync(long runId) => Store.ListErrorGroupsAsync(runId, CancellationToken.None);

    public Task<string?> WatermarkAsync() => Store.GetWatermarkAsync(LinkId, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        _directory.Dispose();
    }

    private async Task ShouldBeAccountedForAsync(RunResult result, Link link)
    {
        var run = await GetRunAsync(result.RunId);
        var batches = await BatchesAsync(result.RunId);
        var counts = result.Counts;

        run.ShouldSatisfyAllConditions(
            () => run.Status.ShouldBe(result.Status),
            () => run.Status.IsFinal().ShouldBeTrue(),
            () => run.Counts.ShouldBe(counts),
            () => counts.IsBalanced.ShouldBeTrue(),
            // Only a run stopped by its target (or by sequential processing) leaves batches it never started: their records are
            // incomplete; and records an error policy parked.
            () => counts.Incomplete.ShouldBe(batches.Where(batch => batch.Status == BatchStatus.Interrupted).Sum(batch => (long)batch.Read)
                + (result.SystemError is null ? batches.Where(batch => batch.Status != BatchStatus.Interrupted).Sum(batch => (long)(batch.Read - batch.Succeeded - batch.Failed - batch.Ignored)) : 0)),
            () => (counts.Incomplete == 0 || result.SystemError is not null || Resync.Core.Policies.ErrorPolicies.Compile(link.Settings).Parks).ShouldBeTrue(),
            () => counts.Read.ShouldBe(counts.Succeeded + counts.Failed + counts.Ignored + counts.Incomplete),
            () => run.SystemError.ShouldBe(result.SystemError, new ErrorComparer()),
            () => run.EndedAt.ShouldBe(Clock.GetUtcNow()),
            () => batches.Count.ShouldBe(counts.BatchesTotal),
            () => batches.Count(batch => batch.Status == BatchStatus.Failed).ShouldBe(counts.BatchesFailed),
            () => batches.ShouldAllBe(batch => batch.Status != BatchStatus.Processing && batch.EndedAt != null),
            () => batches.Sum(batch => (long)batch.Read).ShouldBe(counts.Read),
            () => batches.Sum(batch => (long)batch.Succeeded).ShouldBe(counts.Succeeded),
            () => batches.Sum(batch => (long)batch.Failed).ShouldBe(counts.Failed),
            () => batches.Sum(batch => (long)batch.Ignored).ShouldBe(counts.Ignored),
            () => batches.Select(batch => batch.Number).ShouldBeUnique());
    }

    /// <summary>Errors compare by value, their field lists by content (a stored error's list is a new one).</summary>
    internal sealed class ErrorComparer : IEqualityComparer<ResyncError?>
    {
        public bool Equals(ResyncError? x, ResyncError? y) =>
            x is null || y is null ? x is null && y is null : x with { Fields = [] } == y with { Fields = [] } && x.Fields.SequenceEqual(y.Fields);

        public int GetHashCode(ResyncError? obj) => obj?.Code.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}
