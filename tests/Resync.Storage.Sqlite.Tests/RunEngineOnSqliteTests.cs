using System.Globalization;
using System.Runtime.CompilerServices;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Shouldly;
using Xunit;
using Record = Resync.Core.Records.Record;

namespace Resync.Storage.Sqlite.Tests;

/// <summary>
/// The engine on the real SQLite store: whatever happens, what the engine reports and what the store holds agree, and
/// every record read is accounted for. Guards the engine's pipelined store writes (starts noted at dispatch, results
/// confirmed while workers go on). The store holds the engine's batch writes for as long as nobody asks for them (an hour,
/// not the default's moments): a run that waited for a hold to end instead of asking would not finish.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the store through IAsyncLifetime.DisposeAsync.")]
public sealed class RunEngineOnSqliteTests : IAsyncLifetime
{
    private static readonly ErrorClassification Refused = new(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionRefused, "connection refused");
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "resync-tests", Guid.NewGuid().ToString("N"));
    private SqliteRunStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteRunStore(Path.Combine(_folder, "state.db")) { MaxHold = TimeSpan.FromHours(1) };
        await _store.InitializeAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Run_WithRecordErrorsIgnoredRecordsAndFailedPages_StoresWhatItReports()
    {
        // 60 pages of 50: every 7th record fails validation, every 11th is ignored, the target refuses every 13th, page 9 cannot be fetched.
        var link = new Link("orders", new PagedSource(60, 50, failingPage: 9), [new ValidateStep(), new FilterStep()], new RefusingTarget(),
            new LinkSettings { BatchSize = 50, Parallelism = 3 });

        var result = await new RunEngine(_store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.CompletedWithErrors);
        run.Counts.ShouldBe(result.Counts);
        run.Counts.IsBalanced.ShouldBeTrue();
        run.Counts.Read.ShouldBe(59 * 50);
        run.Counts.BatchesTotal.ShouldBe(60);
        run.Counts.BatchesFailed.ShouldBe(1);
        run.Counts.Failed.ShouldBeGreaterThan(0);
        run.Counts.Ignored.ShouldBeGreaterThan(0);
        run.BatchErrors.ShouldHaveSingleItem().BatchNumber.ShouldBe(9);
        (await _store.ListBatchesAsync(result.RunId, 0, 100, CancellationToken.None)).ShouldNotContain(b => b.Status == BatchStatus.Processing);
        (await _store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed, Limit: 10_000), CancellationToken.None)).Count
            .ShouldBe((int)run.Counts.Failed);
        (await _store.GetWatermarkAsync("orders", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task Run_ThatSucceeds_MovesTheWatermark()
    {
        var link = new Link("orders", new PagedSource(40, 25), [], new RefusingTarget(refuseEvery: 0), new LinkSettings { BatchSize = 25, Parallelism = 2 });

        var result = await new RunEngine(_store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.Succeeded);
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Counts.ShouldBe(new RunCounts(1000, 1000, 0, 0, 0, 0, 40, 0));
        (await _store.GetWatermarkAsync("orders", CancellationToken.None)).ShouldBe("page-0040");
    }

    [Fact]
    public async Task Run_WhoseTargetGoesOffline_FailsAndLeavesNoBatchProcessing()
    {
        var link = new Link("orders", new PagedSource(200, 20), [], new RefusingTarget(refuseEvery: 0, offlineFromBatch: 5),
            new LinkSettings { BatchSize = 20, Parallelism = 2 });

        var result = await new RunEngine(_store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.Failed);
        result.SystemError.ShouldNotBeNull().Type.ShouldBe(ErrorType.Connection);
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Counts.ShouldBe(result.Counts);
        run.Counts.IsBalanced.ShouldBeTrue();
        run.Counts.BatchesTotal.ShouldBeLessThan(200);
        (await _store.ListBatchesAsync(result.RunId, 0, 1000, CancellationToken.None)).ShouldNotContain(b => b.Status == BatchStatus.Processing);
    }

    [Fact]
    public async Task Run_WhenTheStoreRefusesABatchResult_FailsWithAStoreError()
    {
        var store = new FailingFinishStore(_store, failingBatch: 4);
        var link = new Link("orders", new PagedSource(30, 10), [], new RefusingTarget(refuseEvery: 0), new LinkSettings { BatchSize = 10, Parallelism = 2 });

        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.Failed);
        result.SystemError.ShouldNotBeNull().Step.ShouldBe("store");
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.Failed);
        // What the engine counted is what the store confirmed; the refused batch is still Processing, its records unaccounted until recovery.
        run.Counts.Succeeded.ShouldBe(result.Counts.Succeeded);
        (await _store.ListBatchesAsync(result.RunId, 0, 100, CancellationToken.None)).Single(b => b.Number == 4).Status.ShouldBe(BatchStatus.Processing);
    }

    [Fact]
    public async Task Run_OfASourceWithItsFirstPageInHand_NotesBatchOneWithTheRun_NotAgain_AndAccountsForEveryRecord()
    {
        var store = new FailingFinishStore(_store);
        var link = new Link("orders", new InHandSource(3, 10), [], new RefusingTarget(refuseEvery: 0), new LinkSettings { BatchSize = 10, Parallelism = 2 });

        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.Succeeded);
        // Batch 1 was noted started in the run's opening commit: the engine did not write its start again.
        store.Started.Order().ShouldBe([2, 3]);
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Counts.ShouldBe(new RunCounts(30, 30, 0, 0, 0, 0, 3, 0));
        (await _store.ListBatchesAsync(result.RunId, 0, 100, CancellationToken.None)).Select(batch => batch.Status).ShouldAllBe(status => status == BatchStatus.Succeeded);
    }

    [Fact]
    public async Task Run_OfASourceWhoseFirstPageIsAll_StoresThatBatchWithTheRunsEnd_InOneWrite()
    {
        var store = new FailingFinishStore(_store);
        var link = new Link("orders", new InHandSource(1, 10), [], new RefusingTarget(refuseEvery: 3), new LinkSettings { BatchSize = 10 });

        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(10, 6, 4, 0, 0, 0, 1, 0));
        store.Started.ShouldBeEmpty();
        store.Finished.ShouldBeEmpty();
        store.FinishedWithTheRun.ShouldBe([1]);
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.CompletedWithErrors);
        run.Counts.ShouldBe(result.Counts);
        (await _store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed), CancellationToken.None)).Count.ShouldBe(4);
    }

    [Fact]
    public async Task Run_OfASourceWhoseFirstPageIsAll_WhenTheStoreRefusesItsEnd_FailsWithAStoreError_ItsBatchLeftProcessing()
    {
        var store = new FailingFinishStore(_store, failingBatch: 1);
        var link = new Link("orders", new InHandSource(1, 10), [], new RefusingTarget(refuseEvery: 0), new LinkSettings { BatchSize = 10 });

        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        result.Status.ShouldBe(RunStatus.Failed);
        result.SystemError.ShouldNotBeNull().Step.ShouldBe("store");
        // Nothing the store did not keep is counted: the batch's records are unaccounted until recovery, as when a batch's result is refused.
        result.Counts.Succeeded.ShouldBe(0);
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.Failed);
        run.Counts.Succeeded.ShouldBe(0);
        (await _store.GetBatchAsync(result.RunId, 1, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(BatchStatus.Processing);
    }

    [Fact]
    public async Task Run_OfASourceWhoseFirstPageIsAll_WhenTheEndsCommitWasKeptButItsAnswerLost_EndsAsWritten()
    {
        var store = new FailingFinishStore(_store, failingBatch: 1, failsAfterCommit: true);
        var link = new Link("orders", new InHandSource(1, 10), [], new RefusingTarget(refuseEvery: 3), new LinkSettings { BatchSize = 10 });

        var result = await new RunEngine(store, TimeProvider.System).RunAsync(link, new RunRequest());

        // Failing the run now would tell a push's client its records were lost when they were written and kept.
        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        var run = (await _store.GetRunAsync(result.RunId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.CompletedWithErrors);
        run.Counts.ShouldBe(result.Counts);
        result.Counts.ShouldBe(new RunCounts(10, 6, 4, 0, 0, 0, 1, 0));
    }

    [Fact]
    public async Task Run_StoppedWithMorePagesStillComingThanResultsMayWait_KeepsEachForTheResume_WithoutWaitingForTheHold()
    {
        // 40 pages still coming and room for 16 unconfirmed results: those kept once room is made must be asked for too.
        var allComing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = Resync.Testing.ListSource.Paged(40, 5);
        var never = new TaskCompletionSource().Task;
        for (var page = 1; page <= 40; page++)
            source.HoldPage(page, never);
        source.AfterPageTaken = page => { if (page == 40) allComing.TrySetResult(); };
        var link = new Link("orders", source, [], new RefusingTarget(refuseEvery: 0), new LinkSettings { BatchSize = 5, Parallelism = 1 });
        using var stop = new CancellationTokenSource();

        var running = new RunEngine(_store, TimeProvider.System).RunAsync(link, new RunRequest(), cancellationToken: stop.Token);
        await allComing.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        var result = await running.WaitAsync(TimeSpan.FromSeconds(60));

        result.Status.ShouldBe(RunStatus.Interrupted);
        var batches = await _store.ListBatchesAsync(result.RunId, 0, 100, CancellationToken.None);
        batches.Count.ShouldBe(40);
        batches.ShouldAllBe(batch => batch.Status == BatchStatus.Interrupted);
    }

    private sealed class PagedSource(int pages, int pageSize, int failingPage = 0) : ISource
    {
        public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            for (var page = 1; page <= pages; page++)
            {
                await Task.Yield();
                var cursor = $"page-{page:D4}";
                if (page == failingPage)
                {
                    yield return SourcePage.Failed(cursor, new ResyncException(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.InvalidJson, "not JSON")));
                    continue;
                }
                yield return Page(page, pageSize);
            }
        }

        public static SourcePage Page(int page, int pageSize)
        {
            var cursor = $"page-{page:D4}";
            var records = Enumerable.Range((page - 1) * pageSize, pageSize).Select(i => new Record(i.ToString(CultureInfo.InvariantCulture),
                new Dictionary<string, object?> { ["n"] = (long)i, ["email"] = i % 7 == 3 ? "" : $"c{i}@example.org" })).ToList();
            return SourcePage.Of(cursor, records, cursor);
        }

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    /// <summary>The paged source, with its first page in hand before a run reads it (as a push's body is).</summary>
    private sealed class InHandSource(int pages, int pageSize) : ISource, IFirstPageInHandSource
    {
        public SourcePage? FirstPage(int batchSize) => PagedSource.Page(1, pageSize);

        public bool FirstPageIsAll(int batchSize) => pages == 1;

        public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) =>
            new PagedSource(pages, pageSize).ReadAsync(context, cancellationToken);

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private sealed class ValidateStep : IStep
    {
        public string Name => "validate";

        public StepResult Apply(StepContext context) => context.Record["email"] is string { Length: > 0 }
            ? StepResult.Continue
            : StepResult.Fail(new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.Required, "email is required", null, ["email"]));
    }

    private sealed class FilterStep : IStep
    {
        public string Name => "filter";

        public StepResult Apply(StepContext context) => context.Record["n"] is long n && n % 11 == 5 ? StepResult.Ignore("test filter") : StepResult.Continue;
    }

    private sealed class RefusingTarget(int refuseEvery = 13, int offlineFromBatch = 0) : ITarget
    {
        public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken)
        {
            if (offlineFromBatch > 0 && batch.BatchNumber >= offlineFromBatch)
                throw new ResyncException(Refused);
            var issues = refuseEvery == 0 ? [] : batch.Records.Select((record, index) => (record, index))
                .Where(r => r.record["n"] is long n && n % refuseEvery == 0)
                .Select(r => new TargetRecordIssue(r.index, new ErrorClassification(ErrorType.DuplicateData, Durability.Durable, ErrorCodes.DuplicateKey, "exists")))
                .ToList();
            return Task.FromResult(new TargetWriteResult(issues));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>The real store, except that it refuses one batch's result (none: 0); it keeps the numbers of the batches noted started.</summary>
    private sealed class FailingFinishStore(IRunStore inner, int failingBatch = 0, bool failsAfterCommit = false) : IRunStore
    {
        public System.Collections.Concurrent.ConcurrentQueue<int> Started { get; } = new();

        /// <summary>The batches whose result was stored alone, and those stored with the run's end.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<int> Finished { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<int> FinishedWithTheRun { get; } = new();

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.RecoverInterruptedRunsAsync(now, cancellationToken);

        public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) => inner.EnsureLinkAsync(linkId, tenant, cancellationToken);

        public Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken) => inner.CreateRunAsync(run, cancellationToken);

        public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken)
        {
            Started.Enqueue(batchNumber);
            return inner.BatchStartedAsync(runId, batchNumber, cursor, recordCount, startedAt, cancellationToken);
        }

        public async Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Finished.Enqueue(result.BatchNumber);
            if (result.BatchNumber == failingBatch)
                throw new IOException("disk I/O error");
            await inner.BatchFinishedAsync(result, cancellationToken);
        }

        public Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken) =>
            inner.RunFinishedAsync(runId, status, systemError, newWatermark, endedAt, cancellationToken);

        public async Task RunFinishedWithLastBatchAsync(BatchResult lastBatch, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt,
            CancellationToken cancellationToken)
        {
            await Task.Yield();
            FinishedWithTheRun.Enqueue(lastBatch.BatchNumber);
            if (lastBatch.BatchNumber == failingBatch && !failsAfterCommit)
                throw new IOException("disk I/O error");
            await inner.RunFinishedWithLastBatchAsync(lastBatch, status, systemError, newWatermark, endedAt, cancellationToken);
            if (lastBatch.BatchNumber == failingBatch)
                throw new IOException("connection reset while committing");
        }

        public Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken) => inner.GetWatermarkAsync(linkId, cancellationToken);
    }
}
