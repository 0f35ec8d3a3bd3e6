using System.Globalization;
using System.Text.Json;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Testing;
using Shouldly;
using Xunit;

namespace Resync.Storage.Compliance;

/// <summary>
/// What every run store must do, tested only through <see cref="IRunStore"/> and <see cref="IRunQueries"/>
/// against a real database. A store's test project subclasses it and says how to create a fresh, initialised store.
/// Each test creates its own store and uses link and tenant names of its own, so the suite also runs on a shared database.
/// </summary>
/// <typeparam name="TStore">The store under test: both the write side and the read side.</typeparam>
public abstract class RunStoreCompliance<TStore> : IAsyncLifetime
    where TStore : class, IRunStore, IRunQueries
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private readonly string _prefix = Guid.NewGuid().ToString("N")[..8];
    private TStore? _store;

    /// <summary>The store under test, initialised.</summary>
    protected TStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>Creates a store on an empty or shared database; the suite calls <see cref="IRunStore.InitializeAsync"/> itself.</summary>
    protected abstract Task<TStore> CreateStoreAsync();

    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync(CancellationToken.None);
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
            await disposable.DisposeAsync();
        _store = null;
    }

    // ---- runs ----

    [Fact]
    public async Task CreateRun_StartsRunningWithZeroCounts()
    {
        var link = Name("orders");
        await Store.EnsureLinkAsync(link, Name("acme"), CancellationToken.None);
        var parent = await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);

        var runId = await Store.CreateRunAsync(
            new NewRun(link, Name("acme"), RunKind.Retry, "cli", parent, "req-42", RunOwner.Current, T0.AddMinutes(1)), CancellationToken.None);

        var run = (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();
        run.Id.ShouldBe(runId);
        run.LinkId.ShouldBe(link);
        run.Tenant.ShouldBe(Name("acme"));
        run.Kind.ShouldBe(RunKind.Retry);
        run.Status.ShouldBe(RunStatus.Running);
        run.Trigger.ShouldBe("cli");
        run.ParentRunId.ShouldBe(parent);
        run.RequestId.ShouldBe("req-42");
        run.StartedAt.ShouldBe(T0.AddMinutes(1));
        run.EndedAt.ShouldBeNull();
        run.Counts.ShouldBe(RunCounts.Zero);
        run.SystemError.ShouldBeNull();
        run.BatchErrors.ShouldBeEmpty();
        (await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task CreateRun_OfALinkNeverRegistered_RegistersIt_AndKeepsItsWatermark()
    {
        var link = Name("orders");
        var first = await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);
        await Store.RunFinishedAsync(first, RunStatus.Succeeded, null, "2026-11-22T08:00:00Z", T0, CancellationToken.None);

        (await Store.GetRunAsync(first, CancellationToken.None)).ShouldNotBeNull().LinkId.ShouldBe(link);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z", "the run's start registered its link");
        await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z", "a later run's start keeps the link's watermark");
    }

    [Fact]
    public async Task GetRun_OfUnknownId_ReturnsNull() =>
        (await Store.GetRunAsync(987_654_321, CancellationToken.None)).ShouldBeNull();

    [Fact]
    public async Task CreateRun_WithLinkVersion_KeepsTheVersionOnceAndNamesItOnTheRun()
    {
        var link = Name("orders");
        await Store.EnsureLinkAsync(link, Name("acme"), CancellationToken.None);
        var first = await Store.CreateRunAsync(NewRun(link, Name("acme")) with { LinkVersion = new LinkVersion("a1b2c3d4e5f6", "doc v1") }, CancellationToken.None);
        var second = await Store.CreateRunAsync(NewRun(link, Name("acme")) with { LinkVersion = new LinkVersion("a1b2c3d4e5f6", "doc v1 again") }, CancellationToken.None);
        var unversioned = await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);

        (await Store.GetRunAsync(first, CancellationToken.None))!.LinkVersion.ShouldBe("a1b2c3d4e5f6");
        (await Store.GetRunAsync(second, CancellationToken.None))!.LinkVersion.ShouldBe("a1b2c3d4e5f6");
        (await Store.GetRunAsync(unversioned, CancellationToken.None))!.LinkVersion.ShouldBeNull();
        // The latest copy of a version's document is kept (a server stores it re-encrypted, with its current credentials).
        (await Store.GetLinkVersionAsync(link, "a1b2c3d4e5f6", CancellationToken.None)).ShouldBe(new LinkVersion("a1b2c3d4e5f6", "doc v1 again"));
        (await Store.GetLinkVersionAsync(link, "000000000000", CancellationToken.None)).ShouldBeNull();
        (await Store.GetLinkVersionAsync(Name("other"), "a1b2c3d4e5f6", CancellationToken.None)).ShouldBeNull();
    }

    // ---- batches and counts ----

    [Fact]
    public async Task BatchStartedThenFinished_AddsCountsToRun()
    {
        var runId = await StartRunAsync();

        await Store.BatchStartedAsync(runId, 1, "page=1", 5, T0.AddSeconds(1), CancellationToken.None);
        var whileProcessing = await CountsAsync(runId);
        whileProcessing.Read.ShouldBe(5);
        whileProcessing.BatchesTotal.ShouldBe(1);
        whileProcessing.Succeeded.ShouldBe(0);

        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.CompletedWithErrors, read: 5, succeeded: 3, failed: 1, ignored: 1, warnings: 2,
            outcomes: [FailedOutcome(1, "k2", DataError("REQUIRED", "email is required", "validate", "email")), IgnoredOutcome(3, "k4", "filter", "inactive")]),
            CancellationToken.None);
        await Store.BatchStartedAsync(runId, 2, "page=2", 4, T0.AddSeconds(2), CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 2, "page=2", BatchStatus.Succeeded, read: 4, succeeded: 4), CancellationToken.None);

        var counts = await CountsAsync(runId);
        counts.ShouldBe(new RunCounts(Read: 9, Succeeded: 7, Failed: 1, Ignored: 1, Incomplete: 0, Warnings: 2, BatchesTotal: 2, BatchesFailed: 0));
        counts.IsBalanced.ShouldBeTrue();

        var batches = await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None);
        batches.Count.ShouldBe(2);
        batches[0].ShouldSatisfyAllConditions(
            b => b.RunId.ShouldBe(runId),
            b => b.Number.ShouldBe(1),
            b => b.Cursor.ShouldBe("page=1"),
            b => b.Status.ShouldBe(BatchStatus.CompletedWithErrors),
            b => b.Read.ShouldBe(5),
            b => b.Succeeded.ShouldBe(3),
            b => b.Failed.ShouldBe(1),
            b => b.Ignored.ShouldBe(1),
            b => b.Error.ShouldBeNull(),
            b => b.StartedAt.ShouldBe(T0.AddSeconds(1)),
            b => b.EndedAt.ShouldBe(T0.AddMinutes(1)));
        batches[1].ShouldSatisfyAllConditions(
            b => b.Number.ShouldBe(2),
            b => b.Status.ShouldBe(BatchStatus.Succeeded),
            b => b.Read.ShouldBe(4),
            b => b.Succeeded.ShouldBe(4));
    }

    [Fact]
    public async Task ListBatches_PagesInBatchOrder()
    {
        var runId = await StartRunAsync();
        for (var number = 1; number <= 7; number++)
        {
            await Store.BatchStartedAsync(runId, number, $"page={number}", 2, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, number, $"page={number}", BatchStatus.Succeeded, read: 2, succeeded: 2), CancellationToken.None);
        }

        (await Store.ListBatchesAsync(runId, 2, 3, CancellationToken.None)).Select(b => b.Number).ShouldBe([3, 4, 5]);
        (await Store.ListBatchesAsync(runId, 6, 3, CancellationToken.None)).Select(b => b.Number).ShouldBe([7]);
    }

    [Fact]
    public async Task GetBatch_ByNumber_IsTheBatchAsItStands_OrNullBeforeItIsNoted()
    {
        var runId = await StartRunAsync();
        await Store.BatchStartedAsync(runId, 2, "page=2", 3, T0, CancellationToken.None);
        (await Store.GetBatchAsync(runId, 2, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(BatchStatus.Processing);
        await Store.BatchFinishedAsync(Result(runId, 2, "page=2", BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);

        var batch = (await Store.GetBatchAsync(runId, 2, CancellationToken.None)).ShouldNotBeNull();

        (batch.Number, batch.Status, batch.Read, batch.Succeeded, batch.Cursor).ShouldBe((2, BatchStatus.Succeeded, 3, 3, "page=2"));
        (await Store.GetBatchAsync(runId, 1, CancellationToken.None)).ShouldBeNull();
        (await Store.GetBatchAsync(runId + 1000, 2, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task BatchDeliveredTwice_IsCountedOnce()
    {
        var runId = await StartRunAsync();
        var outcomes = new[] { FailedOutcome(0, "k1", DataError("REQUIRED", "email is required", "validate", "email")) };

        // A worker dies after the first delivery's start; the batch is delivered again and both deliveries finish.
        await Store.BatchStartedAsync(runId, 1, "page=1", 3, T0, CancellationToken.None);
        await Store.BatchStartedAsync(runId, 1, "page=1", 3, T0.AddSeconds(5), CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.CompletedWithErrors, read: 3, succeeded: 2, failed: 1, warnings: 1, outcomes: outcomes),
            CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.CompletedWithErrors, read: 3, succeeded: 2, failed: 1, warnings: 1, outcomes: outcomes),
            CancellationToken.None);
        // A late redelivery after the batch finished changes nothing either.
        await Store.BatchStartedAsync(runId, 1, "page=1", 3, T0.AddSeconds(9), CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);

        (await CountsAsync(runId)).ShouldBe(new RunCounts(3, 2, 1, 0, 0, 1, 1, 0));
        var batch = (await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None)).ShouldHaveSingleItem();
        batch.Status.ShouldBe(BatchStatus.CompletedWithErrors);
        batch.StartedAt.ShouldBe(T0);
        (await Store.ListRecordsAsync(runId, new RecordFilter(), CancellationToken.None)).ShouldHaveSingleItem().Key.ShouldBe("k1");
    }

    [Fact]
    public async Task CreateRun_WithItsFirstBatch_NotesThatBatchStartedInTheSameWrite_AndANoteOfItAgainCountsOnce()
    {
        var link = Name("orders");
        var runId = await Store.CreateRunAsync(NewRun(link, Name("acme")) with { FirstBatch = new FirstBatch("0", 3) }, CancellationToken.None);

        (await CountsAsync(runId)).ShouldBe(RunCounts.Zero with { Read = 3, BatchesTotal = 1 });
        var started = (await Store.GetBatchAsync(runId, 1, CancellationToken.None)).ShouldNotBeNull();
        started.Status.ShouldBe(BatchStatus.Processing);
        started.Cursor.ShouldBe("0");
        started.Read.ShouldBe(3);
        // The engine does not note it again, but a note of it again (a resume reading it anew) changes nothing.
        await Store.BatchStartedAsync(runId, 1, "0", 3, T0.AddSeconds(1), CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);

        (await CountsAsync(runId)).ShouldBe(RunCounts.Zero with { Read = 3, Succeeded = 3, BatchesTotal = 1 });
        (await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Succeeded);
    }

    [Fact]
    public async Task BatchNotedWhileItsPageWasComing_TakesItsRecordsWhenNotedAgain_Once()
    {
        var runId = await StartRunAsync();

        // A page still being retried keeps its place with no records; batch 2 after it runs meanwhile.
        await Store.BatchStartedAsync(runId, 1, "page=1", 0, T0, CancellationToken.None);
        await Store.BatchStartedAsync(runId, 2, "page=2", 4, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 2, "page=2", BatchStatus.Succeeded, read: 4, succeeded: 4), CancellationToken.None);
        (await CountsAsync(runId)).ShouldBe(new RunCounts(4, 4, 0, 0, 0, 0, 2, 0));

        // It arrives with 3 records; a redelivery of its start counts nothing more.
        await Store.BatchStartedAsync(runId, 1, "page=1", 3, T0.AddSeconds(5), CancellationToken.None);
        await Store.BatchStartedAsync(runId, 1, "page=1", 3, T0.AddSeconds(6), CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);

        (await CountsAsync(runId)).ShouldBe(new RunCounts(7, 7, 0, 0, 0, 0, 2, 0));
        var batches = await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None);
        batches.Select(b => (b.Number, b.Read)).ShouldBe([(1, 3), (2, 4)]);
    }

    [Fact]
    public async Task FailedPage_WithoutBatchStarted_CountsAsFailedBatch()
    {
        var runId = await StartRunAsync();
        var error = BatchError("HTTP_500", "The page answered 500.", "source");

        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Failed, read: 0, error: error), CancellationToken.None);
        // The same failed page reported twice is still one failed batch.
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Failed, read: 0, error: error), CancellationToken.None);

        var counts = await CountsAsync(runId);
        counts.ShouldBe(new RunCounts(0, 0, 0, 0, 0, 0, BatchesTotal: 1, BatchesFailed: 1));
        counts.IsBalanced.ShouldBeTrue();
        var batch = (await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None)).ShouldHaveSingleItem();
        batch.Status.ShouldBe(BatchStatus.Failed);
        batch.Cursor.ShouldBe("page=1");
        batch.Read.ShouldBe(0);
        batch.EndedAt.ShouldBe(T0.AddMinutes(1));
        ShouldMatch(batch.Error.ShouldNotBeNull(), error);
    }

    [Fact]
    public async Task BatchErrors_AppearOnRunView_InBatchOrder()
    {
        var runId = await StartRunAsync();
        var targetError = BatchError("TARGET_REFUSED", "The bulk endpoint refused the batch.", "target");
        var pageError = BatchError("INVALID_JSON", "The page is not valid JSON.", "source");

        await Store.BatchStartedAsync(runId, 1, "page=1", 2, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Succeeded, read: 2, succeeded: 2), CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 3, "page=3", BatchStatus.Failed, read: 0, error: pageError), CancellationToken.None);
        await Store.BatchStartedAsync(runId, 2, "page=2", 2, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 2, "page=2", BatchStatus.Failed, read: 2, failed: 2, error: targetError,
            outcomes: [FailedOutcome(0, "a", targetError), FailedOutcome(1, "b", targetError)]), CancellationToken.None);

        var run = (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();
        run.BatchErrors.Select(b => (b.BatchNumber, b.Cursor, b.Error.Code)).ShouldBe([(2, "page=2", "TARGET_REFUSED"), (3, "page=3", "INVALID_JSON")]);
        ShouldMatch(run.BatchErrors[0].Error, targetError);
        run.Counts.ShouldBe(new RunCounts(4, 2, 2, 0, 0, 0, BatchesTotal: 3, BatchesFailed: 2));
        run.Counts.IsBalanced.ShouldBeTrue();
    }

    // ---- outcomes ----

    [Fact]
    public async Task Outcomes_AreKeptWithErrorsWarningsIgnoreReasonsAndSnapshots()
    {
        var runId = await StartRunAsync();
        var error = DataError(ErrorCodes.TooLong, "phone is longer than 40 characters", "validate", "phone");
        var warning = new RecordWarning("truncate", "TRUNCATED", "name was cut to 20 characters", "name");
        var before = new Dictionary<string, object?> { ["id"] = "k1", ["phone"] = new string('9', 45), ["age"] = 42L, ["vip"] = true, ["note"] = null };
        var after = new Dictionary<string, object?> { ["id"] = "k1", ["phone"] = new string('9', 45), ["age"] = 42L, ["vip"] = true };
        await Store.BatchStartedAsync(runId, 1, "page=1", 3, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.CompletedWithErrors, read: 3, succeeded: 1, failed: 1, ignored: 1, warnings: 1,
            outcomes:
            [
                new RecordOutcome(0, "k1", OutcomeKind.Failed, error, null, null, [], new Snapshot(before, after)),
                new RecordOutcome(1, "k2", OutcomeKind.Ignored, null, "filter", "customer is inactive", [], null),
                new RecordOutcome(2, null, OutcomeKind.Succeeded, null, null, null, [warning], null),
            ]), CancellationToken.None);

        var records = await Store.ListRecordsAsync(runId, new RecordFilter(), CancellationToken.None);

        records.Count.ShouldBe(3);
        var failed = records[0];
        failed.ShouldSatisfyAllConditions(
            r => r.RunId.ShouldBe(runId),
            r => r.BatchNumber.ShouldBe(1),
            r => r.Position.ShouldBe(0),
            r => r.Key.ShouldBe("k1"),
            r => r.Outcome.ShouldBe(OutcomeKind.Failed),
            r => r.IgnoredBy.ShouldBeNull(),
            r => r.IgnoreReason.ShouldBeNull(),
            r => r.Warnings.ShouldBeEmpty());
        ShouldMatch(failed.Error.ShouldNotBeNull(), error);
        using (var beforeJson = JsonDocument.Parse(failed.BeforeJson.ShouldNotBeNull()))
        {
            beforeJson.RootElement.GetProperty("id").GetString().ShouldBe("k1");
            beforeJson.RootElement.GetProperty("phone").GetString().ShouldBe(new string('9', 45));
            beforeJson.RootElement.GetProperty("age").GetInt64().ShouldBe(42);
            beforeJson.RootElement.GetProperty("vip").GetBoolean().ShouldBeTrue();
            beforeJson.RootElement.GetProperty("note").ValueKind.ShouldBe(JsonValueKind.Null);
        }
        using (var afterJson = JsonDocument.Parse(failed.AfterJson.ShouldNotBeNull()))
        {
            afterJson.RootElement.GetProperty("phone").GetString().ShouldBe(new string('9', 45));
            afterJson.RootElement.TryGetProperty("note", out _).ShouldBeFalse();
        }

        records[1].ShouldSatisfyAllConditions(
            r => r.Position.ShouldBe(1),
            r => r.Key.ShouldBe("k2"),
            r => r.Outcome.ShouldBe(OutcomeKind.Ignored),
            r => r.Error.ShouldBeNull(),
            r => r.IgnoredBy.ShouldBe("filter"),
            r => r.IgnoreReason.ShouldBe("customer is inactive"),
            r => r.BeforeJson.ShouldBeNull(),
            r => r.AfterJson.ShouldBeNull());

        records[2].ShouldSatisfyAllConditions(
            r => r.Position.ShouldBe(2),
            r => r.Key.ShouldBeNull(),
            r => r.Outcome.ShouldBe(OutcomeKind.Succeeded),
            r => r.Error.ShouldBeNull(),
            r => r.Warnings.ShouldHaveSingleItem().ShouldBe(warning));
    }

    [Fact]
    public async Task Outcomes_WithSnapshotStoppedBeforeTheEnd_KeepNoAfter()
    {
        var runId = await StartRunAsync();
        var before = new Dictionary<string, object?> { ["email"] = "" };
        await Store.BatchStartedAsync(runId, 1, null, 1, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, null, BatchStatus.CompletedWithErrors, read: 1, failed: 1,
            outcomes: [new RecordOutcome(0, "k1", OutcomeKind.Failed, DataError("REQUIRED", "email is required", "validate", "email"), null, null, [], new Snapshot(before, null))]),
            CancellationToken.None);

        var record = (await Store.ListRecordsAsync(runId, new RecordFilter(), CancellationToken.None)).ShouldHaveSingleItem();
        record.BeforeJson.ShouldNotBeNull();
        record.AfterJson.ShouldBeNull();
        (await Store.ListBatchesAsync(runId, 0, 10, CancellationToken.None)).ShouldHaveSingleItem().Cursor.ShouldBeNull();
    }

    [Fact]
    public async Task ListRecords_FiltersByOutcomeAndPagesInBatchOrder()
    {
        var runId = await StartRunAsync();
        // Batch 2 finishes before batch 1, as parallel batches do.
        foreach (var number in new[] { 2, 1 })
        {
            var outcomes = new List<RecordOutcome>();
            for (var position = 0; position < 10; position++)
            {
                var key = Key(number, position);
                outcomes.Add(position switch
                {
                    < 6 => FailedOutcome(position, key, DataError("REQUIRED", $"email of {key} is required", "validate", "email")),
                    < 9 => IgnoredOutcome(position, key, "filter", "inactive"),
                    _ => new RecordOutcome(position, key, OutcomeKind.Succeeded, null, null, null, [new RecordWarning("map", "DROPPED", "unknown field dropped")], null),
                });
            }
            await Store.BatchStartedAsync(runId, number, null, 10, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, number, null, BatchStatus.CompletedWithErrors, read: 10, succeeded: 1, failed: 6, ignored: 3, warnings: 1,
                outcomes: outcomes), CancellationToken.None);
        }

        (await Store.ListRecordsAsync(runId, new RecordFilter(Limit: 1000), CancellationToken.None)).Count.ShouldBe(20);
        var failed = await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, Limit: 1000), CancellationToken.None);
        failed.Select(r => r.Key).ShouldBe([.. Keys(1, 0, 6), .. Keys(2, 0, 6)]);
        failed.ShouldAllBe(r => r.Outcome == OutcomeKind.Failed && r.Error != null);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Ignored, Limit: 1000), CancellationToken.None))
            .Select(r => r.Key).ShouldBe([.. Keys(1, 6, 3), .. Keys(2, 6, 3)]);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Succeeded), CancellationToken.None))
            .Select(r => r.Key).ShouldBe([Key(1, 9), Key(2, 9)]);

        var page = await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, Offset: 4, Limit: 4), CancellationToken.None);
        page.Select(r => r.Key).ShouldBe([Key(1, 4), Key(1, 5), Key(2, 0), Key(2, 1)]);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, Offset: 10, Limit: 4), CancellationToken.None))
            .Select(r => r.Key).ShouldBe([Key(2, 4), Key(2, 5)]);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, Offset: 12, Limit: 4), CancellationToken.None)).ShouldBeEmpty();

        (await Store.CountRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, Offset: 12, Limit: 4), CancellationToken.None)).ShouldBe(12);
        (await Store.CountRecordsAsync(runId, new RecordFilter(Limit: 1) { Outcomes = [OutcomeKind.Failed, OutcomeKind.Ignored] }, CancellationToken.None)).ShouldBe(18);
    }

    [Fact]
    public async Task ListRecords_OfOneRun_DoNotShowOtherRuns()
    {
        var first = await StartRunAsync();
        var second = await StartRunAsync();
        foreach (var runId in new[] { first, second })
        {
            await Store.BatchStartedAsync(runId, 1, null, 1, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, 1, null, BatchStatus.CompletedWithErrors, read: 1, failed: 1,
                outcomes: [FailedOutcome(0, $"run{runId}", DataError("REQUIRED", "email is required", "validate", "email"))]), CancellationToken.None);
        }

        (await Store.ListRecordsAsync(first, new RecordFilter(), CancellationToken.None)).ShouldHaveSingleItem().Key.ShouldBe($"run{first}");
        (await Store.ListErrorGroupsAsync(second, CancellationToken.None)).ShouldHaveSingleItem().Count.ShouldBe(1);
    }

    // ---- error groups ----

    [Fact]
    public async Task ErrorGroups_GroupByTypeCodeStepAndFields_LargestFirst_WithoutBatchErrors()
    {
        var runId = await StartRunAsync();
        var outcomes = new List<RecordOutcome>();
        var position = 0;
        void Add(int count, ErrorType type, string code, string step, params string[] fields)
        {
            for (var i = 0; i < count; i++, position++)
            {
                outcomes.Add(FailedOutcome(position, Key(1, position),
                    // Messages sort the other way round from keys, so a sample mixed from two records shows.
                    new ResyncError(ErrorScope.Record, type, Durability.Durable, code, $"{code} in {string.Join('+', fields)} ({900 - position} of {Key(1, position)})", step, fields,
                        $"fix {code}", T0, 1)));
            }
        }
        Add(5, ErrorType.Data, ErrorCodes.TooLong, "validate", "phone");
        Add(1, ErrorType.Data, ErrorCodes.TooLong, "validate", "name");             // other field
        Add(3, ErrorType.Data, ErrorCodes.Required, "validate", "email");
        Add(2, ErrorType.Data, ErrorCodes.TooLong, "target", "phone");              // other step
        Add(4, ErrorType.DuplicateData, ErrorCodes.DuplicateKey, "target", "id");
        Add(1, ErrorType.Runtime, ErrorCodes.TooLong, "validate", "phone");         // other type
        Add(2, ErrorType.Data, ErrorCodes.Required, "validate", "email", "phone");  // other field set
        await Store.BatchStartedAsync(runId, 1, null, position, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, null, BatchStatus.CompletedWithErrors, read: position, failed: position, outcomes: outcomes),
            CancellationToken.None);

        // A batch the target refused as a whole: its records fail with the batch error, which is not a record error group.
        var refused = BatchError(ErrorCodes.TooLong, "The bulk write failed.", "target") with { Type = ErrorType.Data, Fields = ["phone"] };
        await Store.BatchStartedAsync(runId, 2, null, 7, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 2, null, BatchStatus.Failed, read: 7, failed: 7, error: refused,
            outcomes: [.. Enumerable.Range(0, 7).Select(p => FailedOutcome(p, Key(2, p), refused))]), CancellationToken.None);

        var groups = await Store.ListErrorGroupsAsync(runId, CancellationToken.None);

        groups.Select(g => g.Count).ShouldBe([5, 4, 3, 2, 2, 1, 1]);
        groups.Sum(g => g.Count).ShouldBe(18);
        var phone = groups[0];
        phone.ShouldSatisfyAllConditions(
            g => g.Type.ShouldBe(ErrorType.Data),
            g => g.Code.ShouldBe(ErrorCodes.TooLong),
            g => g.Step.ShouldBe("validate"),
            g => g.Fields.ShouldBe(["phone"]),
            g => g.Hint.ShouldBe($"fix {ErrorCodes.TooLong}"));
        groups[1].ShouldSatisfyAllConditions(
            g => g.Type.ShouldBe(ErrorType.DuplicateData),
            g => g.Code.ShouldBe(ErrorCodes.DuplicateKey),
            g => g.Step.ShouldBe("target"),
            g => g.Fields.ShouldBe(["id"]));
        groups.ShouldContain(g => g.Code == ErrorCodes.Required && g.Fields.SequenceEqual(new[] { "email", "phone" }) && g.Count == 2);
        groups.ShouldContain(g => g.Code == ErrorCodes.TooLong && g.Step == "target" && g.Count == 2);
        groups.ShouldContain(g => g.Type == ErrorType.Runtime && g.Count == 1);
        groups.ShouldContain(g => g.Code == ErrorCodes.TooLong && g.Fields.SequenceEqual(new[] { "name" }) && g.Count == 1);
        groups.ShouldNotContain(g => g.SampleMessage == "The bulk write failed.");

        // The sample is one record of the group: its key and its message belong together.
        foreach (var group in groups)
        {
            var sampleKey = group.SampleKey.ShouldNotBeNull();
            var sample = outcomes.Single(o => o.Key == sampleKey);
            sample.Error.ShouldNotBeNull().Message.ShouldBe(group.SampleMessage);
            sample.Error.Code.ShouldBe(group.Code);
            sample.Error.Step.ShouldBe(group.Step);
            sample.Error.Fields.ShouldBe(group.Fields);
        }
    }

    [Fact]
    public async Task ErrorGroups_OfRunWithoutRecordErrors_AreEmpty()
    {
        var runId = await StartRunAsync();
        await Store.BatchStartedAsync(runId, 1, null, 2, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, null, BatchStatus.Succeeded, read: 2, succeeded: 1, ignored: 1,
            outcomes: [IgnoredOutcome(1, "k", "filter", "inactive")]), CancellationToken.None);

        (await Store.ListErrorGroupsAsync(runId, CancellationToken.None)).ShouldBeEmpty();
    }

    // ---- finishing runs, watermark ----

    [Theory]
    [InlineData(RunStatus.Succeeded)]
    [InlineData(RunStatus.CompletedWithErrors)]
    [InlineData(RunStatus.Failed)]
    [InlineData(RunStatus.Interrupted)]
    public async Task RunFinished_SetsFinalStatusAndEndTime_AndFinishingTwiceThrows(RunStatus status)
    {
        var runId = await StartRunAsync();
        var systemError = status == RunStatus.Failed
            ? new ResyncError(ErrorScope.System, ErrorType.InvalidAccessToken, Durability.Durable, "HTTP_401", "The source refused the credentials.", "source", [],
                "Renew the API key.", T0.AddSeconds(30), 2)
            : null;

        await Store.RunFinishedAsync(runId, status, systemError, null, T0.AddMinutes(5), CancellationToken.None);

        var run = (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(status);
        run.EndedAt.ShouldBe(T0.AddMinutes(5));
        if (systemError is null)
            run.SystemError.ShouldBeNull();
        else
            ShouldMatch(run.SystemError.ShouldNotBeNull(), systemError);

        await Should.ThrowAsync<InvalidTransitionException>(() =>
            Store.RunFinishedAsync(runId, RunStatus.CompletedWithErrors, null, "later", T0.AddMinutes(9), CancellationToken.None));
        var unchanged = (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();
        unchanged.Status.ShouldBe(status);
        unchanged.EndedAt.ShouldBe(T0.AddMinutes(5));
        (await Store.GetWatermarkAsync(run.LinkId, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task RunFinished_AsRunning_Throws()
    {
        var runId = await StartRunAsync();

        await Should.ThrowAsync<InvalidTransitionException>(() =>
            Store.RunFinishedAsync(runId, RunStatus.Running, null, null, T0, CancellationToken.None));
        (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Running);
    }

    [Fact]
    public async Task HeldBatchWrites_AreDurableOnceAskedFor_AndCountLikeThePlainOnes()
    {
        var runId = await StartRunAsync();

        // A store may hold these writes to share a later commit; asked for, they commit without waiting for more.
        var starts = Enumerable.Range(1, 3).Select(number =>
            Store.BatchStartedHeldAsync(runId, number, $"page={number}", 4, $"w{number}", T0.AddSeconds(number), CancellationToken.None)).ToList();
        Store.CommitHeldWrites();
        await Task.WhenAll(starts).WaitAsync(TimeSpan.FromSeconds(30));
        (await CountsAsync(runId)).ShouldBe(new RunCounts(Read: 12, Succeeded: 0, Failed: 0, Ignored: 0, Incomplete: 0, Warnings: 0, BatchesTotal: 3, BatchesFailed: 0));

        var results = Enumerable.Range(1, 3).Select(number => Store.BatchFinishedHeldAsync(
            Result(runId, number, $"page={number}", BatchStatus.Succeeded, read: 4, succeeded: 4), CancellationToken.None)).ToList();
        // Noted again (a redelivery), a held start counts once, as a plain one does.
        results.Add(Store.BatchStartedHeldAsync(runId, 3, "page=3", 4, "w3", T0.AddSeconds(3), CancellationToken.None));
        Store.CommitHeldWrites();
        await Task.WhenAll(results).WaitAsync(TimeSpan.FromSeconds(30));

        (await CountsAsync(runId)).ShouldBe(new RunCounts(Read: 12, Succeeded: 12, Failed: 0, Ignored: 0, Incomplete: 0, Warnings: 0, BatchesTotal: 3, BatchesFailed: 0));
        (await Store.ListBatchesAsync(runId, 0, 100, CancellationToken.None)).Select(batch => batch.Status).ShouldAllBe(status => status == BatchStatus.Succeeded);
    }

    [Fact]
    public async Task RunFinishedWithLastBatch_StoresTheBatchAndEndsTheRunInOneWrite_AndWhenTheEndIsRefusedKeepsNeither()
    {
        var link = Name("orders");
        var runId = await Store.CreateRunAsync(NewRun(link, Name("acme")) with { FirstBatch = new FirstBatch("0", 3) }, CancellationToken.None);

        await Store.RunFinishedWithLastBatchAsync(Result(runId, 1, "0", BatchStatus.CompletedWithErrors, read: 3, succeeded: 2, failed: 1,
            outcomes: [FailedOutcome(2, "k3", DataError("REQUIRED", "email is required", "validate", "email"))]),
            RunStatus.CompletedWithErrors, null, "2026-11-22T08:00:00Z", T0.AddMinutes(2), CancellationToken.None);

        var run = (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.CompletedWithErrors);
        run.EndedAt.ShouldBe(T0.AddMinutes(2));
        run.Counts.ShouldBe(RunCounts.Zero with { Read = 3, Succeeded = 2, Failed = 1, BatchesTotal = 1 });
        (await Store.GetBatchAsync(runId, 1, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(BatchStatus.CompletedWithErrors);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed), CancellationToken.None)).ShouldHaveSingleItem().Key.ShouldBe("k3");
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z");

        // A run that has ended already (recovery marked it Interrupted, say) refuses the end: its batch's result is not kept either.
        var cut = await Store.CreateRunAsync(NewRun(link, Name("acme")) with { FirstBatch = new FirstBatch("0", 2) }, CancellationToken.None);
        await Store.RunFinishedAsync(cut, RunStatus.Interrupted, null, null, T0.AddMinutes(3), CancellationToken.None);
        await Should.ThrowAsync<InvalidTransitionException>(() => Store.RunFinishedWithLastBatchAsync(
            Result(cut, 1, "0", BatchStatus.Succeeded, read: 2, succeeded: 2), RunStatus.Succeeded, null, "later", T0.AddMinutes(4), CancellationToken.None));
        (await Store.GetBatchAsync(cut, 1, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(BatchStatus.Processing);
        (await CountsAsync(cut)).Succeeded.ShouldBe(0);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z");
    }

    [Fact]
    public async Task Watermark_MovesOnlyWhenGiven()
    {
        var link = Name("orders");
        var other = Name("invoices");
        await Store.EnsureLinkAsync(link, Name("acme"), CancellationToken.None);
        await Store.EnsureLinkAsync(other, Name("acme"), CancellationToken.None);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBeNull();
        (await Store.GetWatermarkAsync(Name("never-registered"), CancellationToken.None)).ShouldBeNull();

        var first = await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);
        await Store.RunFinishedAsync(first, RunStatus.Succeeded, null, "2026-11-22T08:00:00Z", T0, CancellationToken.None);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z");
        (await Store.GetWatermarkAsync(other, CancellationToken.None)).ShouldBeNull();

        var failed = await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);
        await Store.RunFinishedAsync(failed, RunStatus.CompletedWithErrors, null, null, T0.AddHours(1), CancellationToken.None);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z");

        // Registering the link again keeps its watermark.
        await Store.EnsureLinkAsync(link, Name("acme"), CancellationToken.None);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T08:00:00Z");

        var next = await Store.CreateRunAsync(NewRun(link, Name("acme")), CancellationToken.None);
        await Store.RunFinishedAsync(next, RunStatus.Succeeded, null, "2026-11-22T10:00:00Z", T0.AddHours(2), CancellationToken.None);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22T10:00:00Z");
        (await Store.GetWatermarkAsync(other, CancellationToken.None)).ShouldBeNull();
    }

    // ---- listing runs ----

    [Fact]
    public async Task ListRuns_FiltersByLinkTenantAndStatus_NewestFirst_Paged()
    {
        var (acme, globex) = (Name("acme"), Name("globex"));
        var (orders, invoices, parts) = (Name("orders"), Name("invoices"), Name("parts"));
        await Store.EnsureLinkAsync(orders, acme, CancellationToken.None);
        await Store.EnsureLinkAsync(invoices, acme, CancellationToken.None);
        await Store.EnsureLinkAsync(parts, globex, CancellationToken.None);

        var ordersRuns = new List<long>();
        for (var i = 0; i < 5; i++)
            ordersRuns.Add(await Store.CreateRunAsync(NewRun(orders, acme, T0.AddMinutes(i)), CancellationToken.None));
        var invoicesRun = await Store.CreateRunAsync(NewRun(invoices, acme, T0.AddMinutes(10)), CancellationToken.None);
        var partsRun = await Store.CreateRunAsync(NewRun(parts, globex, T0.AddMinutes(11)), CancellationToken.None);
        await Store.RunFinishedAsync(ordersRuns[1], RunStatus.Failed, null, null, T0.AddMinutes(20), CancellationToken.None);
        await Store.RunFinishedAsync(ordersRuns[3], RunStatus.Failed, null, null, T0.AddMinutes(21), CancellationToken.None);
        await Store.RunFinishedAsync(partsRun, RunStatus.Failed, null, null, T0.AddMinutes(22), CancellationToken.None);
        await Store.RunFinishedAsync(invoicesRun, RunStatus.Succeeded, null, null, T0.AddMinutes(23), CancellationToken.None);

        var newestFirst = Enumerable.Reverse(ordersRuns).ToList();
        (await Ids(new RunFilter(LinkId: orders))).ShouldBe(newestFirst);
        (await Ids(new RunFilter(Tenant: acme))).ShouldBe([invoicesRun, .. newestFirst]);
        (await Ids(new RunFilter(Tenant: globex))).ShouldBe([partsRun]);
        (await Ids(new RunFilter(LinkId: orders, Status: RunStatus.Failed))).ShouldBe([ordersRuns[3], ordersRuns[1]]);
        (await Ids(new RunFilter(Tenant: acme, Status: RunStatus.Running))).ShouldBe([ordersRuns[4], ordersRuns[2], ordersRuns[0]]);
        (await Ids(new RunFilter(Tenant: acme, Status: RunStatus.Succeeded))).ShouldBe([invoicesRun]);
        (await Ids(new RunFilter(LinkId: parts, Tenant: acme))).ShouldBeEmpty();
        (await Ids(new RunFilter(LinkId: orders, Offset: 1, Limit: 2))).ShouldBe([ordersRuns[3], ordersRuns[2]]);
        (await Ids(new RunFilter(LinkId: orders, Offset: 4, Limit: 2))).ShouldBe([ordersRuns[0]]);
        (await Ids(new RunFilter(LinkId: orders, Offset: 5, Limit: 2))).ShouldBeEmpty();

        var listed = (await Store.ListRunsAsync(new RunFilter(LinkId: parts), CancellationToken.None)).ShouldHaveSingleItem();
        listed.ShouldSatisfyAllConditions(
            r => r.LinkId.ShouldBe(parts),
            r => r.Tenant.ShouldBe(globex),
            r => r.Status.ShouldBe(RunStatus.Failed),
            r => r.StartedAt.ShouldBe(T0.AddMinutes(11)),
            r => r.EndedAt.ShouldBe(T0.AddMinutes(22)));

        async Task<List<long>> Ids(RunFilter filter) => [.. (await Store.ListRunsAsync(filter, CancellationToken.None)).Select(r => r.Id)];
    }

    [Fact]
    public async Task ListRuns_FiltersByKindAndStartTime_FromInclusive_BeforeExclusive()
    {
        var (acme, orders) = (Name("acme"), Name("orders"));
        await Store.EnsureLinkAsync(orders, acme, CancellationToken.None);
        var manual = await Store.CreateRunAsync(NewRun(orders, acme, T0), CancellationToken.None);
        var retry = await Store.CreateRunAsync(NewRun(orders, acme, T0.AddMinutes(5)) with { Kind = RunKind.Retry, ParentRunId = manual }, CancellationToken.None);
        var later = await Store.CreateRunAsync(NewRun(orders, acme, T0.AddMinutes(10)), CancellationToken.None);

        (await Ids(new RunFilter(LinkId: orders) { Kind = RunKind.Retry })).ShouldBe([retry]);
        (await Ids(new RunFilter(LinkId: orders) { StartedFrom = T0.AddMinutes(5) })).ShouldBe([later, retry]);
        (await Ids(new RunFilter(LinkId: orders) { StartedBefore = T0.AddMinutes(5) })).ShouldBe([manual]);
        (await Ids(new RunFilter(LinkId: orders) { StartedFrom = T0.AddMinutes(1), StartedBefore = T0.AddMinutes(10) })).ShouldBe([retry]);
        // An instant in another offset is the same instant.
        (await Ids(new RunFilter(LinkId: orders) { StartedFrom = T0.AddMinutes(10).ToOffset(TimeSpan.FromHours(-5)) })).ShouldBe([later]);

        async Task<List<long>> Ids(RunFilter filter) => [.. (await Store.ListRunsAsync(filter, CancellationToken.None)).Select(r => r.Id)];
    }

    // ---- recovery after a crash ----

    [Fact]
    public async Task RecoverInterruptedRuns_MarksRunsOfDeadProcessesInterrupted_AndCountsTheirRecordsIncomplete()
    {
        var link = Name("orders");
        await Store.EnsureLinkAsync(link, Name("acme"), CancellationToken.None);
        var deadOwner = DeadOwner();
        var dead = await Store.CreateRunAsync(NewRun(link, Name("acme"), T0, deadOwner), CancellationToken.None);
        var alive = await Store.CreateRunAsync(NewRun(link, Name("acme"), T0, RunOwner.Current), CancellationToken.None);
        var elsewhere = await Store.CreateRunAsync(NewRun(link, Name("acme"), T0, "another-host:1"), CancellationToken.None);
        var finished = await Store.CreateRunAsync(NewRun(link, Name("acme"), T0, deadOwner), CancellationToken.None);
        await Store.RunFinishedAsync(finished, RunStatus.Succeeded, null, null, T0.AddMinutes(1), CancellationToken.None);
        foreach (var runId in new[] { dead, alive })
        {
            await Store.BatchStartedAsync(runId, 1, "page=1", 5, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.CompletedWithErrors, read: 5, succeeded: 3, failed: 1, ignored: 1,
                outcomes: [FailedOutcome(0, "k", DataError("REQUIRED", "email is required", "validate", "email")), IgnoredOutcome(1, "j", "filter", "inactive")]),
                CancellationToken.None);
            await Store.BatchStartedAsync(runId, 2, "page=2", 7, T0, CancellationToken.None);
            await Store.BatchStartedAsync(runId, 3, "page=3", 4, T0, CancellationToken.None);
        }
        var now = T0.AddHours(1);

        var recovered = await Store.RecoverInterruptedRunsAsync(now, CancellationToken.None);

        recovered.ShouldContain(dead);
        recovered.ShouldNotContain(alive);
        recovered.ShouldNotContain(elsewhere);
        recovered.ShouldNotContain(finished);

        var run = (await Store.GetRunAsync(dead, CancellationToken.None)).ShouldNotBeNull();
        run.Status.ShouldBe(RunStatus.Interrupted);
        run.EndedAt.ShouldBe(now);
        run.Counts.ShouldBe(new RunCounts(Read: 16, Succeeded: 3, Failed: 1, Ignored: 1, Incomplete: 11, Warnings: 0, BatchesTotal: 3, BatchesFailed: 0));
        run.Counts.IsBalanced.ShouldBeTrue();
        var systemError = run.SystemError.ShouldNotBeNull();
        systemError.Scope.ShouldBe(ErrorScope.System);
        systemError.Code.ShouldBe(ErrorCodes.Interrupted);
        var batches = await Store.ListBatchesAsync(dead, 0, 10, CancellationToken.None);
        batches.Select(b => b.Status).ShouldBe([BatchStatus.CompletedWithErrors, BatchStatus.Interrupted, BatchStatus.Interrupted]);
        batches[1].EndedAt.ShouldBe(now);

        var untouched = (await Store.GetRunAsync(alive, CancellationToken.None)).ShouldNotBeNull();
        untouched.Status.ShouldBe(RunStatus.Running);
        untouched.EndedAt.ShouldBeNull();
        untouched.Counts.Incomplete.ShouldBe(0);
        (await Store.ListBatchesAsync(alive, 0, 10, CancellationToken.None)).Select(b => b.Status)
            .ShouldBe([BatchStatus.CompletedWithErrors, BatchStatus.Processing, BatchStatus.Processing]);
        (await Store.GetRunAsync(elsewhere, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Running);
        (await Store.GetRunAsync(finished, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Succeeded);

        // The dead run's remainder is parked at once: its cut batches, and the pages after the last one it started.
        var parked = (await ((IRecoveryStore)Store).ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldHaveSingleItem();
        (parked.RunId, parked.Status, parked.ResumeCursor, parked.Error.Code).ShouldBe((dead, IncompleteStatus.Waiting, "page=3", ErrorCodes.Interrupted));

        // Recovering again finds nothing more, and counts nothing twice.
        (await Store.RecoverInterruptedRunsAsync(now.AddMinutes(1), CancellationToken.None)).ShouldNotContain(dead);
        (await CountsAsync(dead)).Incomplete.ShouldBe(11);
    }

    [Fact]
    public async Task RecoverInterruptedRuns_APageStillComingAtTheCrash_IsCut_AndTheResumeGoesOnAfterTheLaterPagesDone()
    {
        // Page 2 was being retried when the process died; pages 3 and 4 after it had committed.
        var deadOwner = DeadOwner();
        var runId = await StartRunAsync(deadOwner);
        await Store.BatchStartedAsync(runId, 1, "page=1", 5, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Succeeded, read: 5, succeeded: 5), CancellationToken.None);
        await Store.BatchStartedAsync(runId, 2, "page=2", 0, T0, CancellationToken.None);
        foreach (var number in new[] { 3, 4 })
        {
            await Store.BatchStartedAsync(runId, number, $"page={number}", 5, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, number, $"page={number}", BatchStatus.Succeeded, read: 5, succeeded: 5), CancellationToken.None);
        }

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);

        (await CountsAsync(runId)).ShouldBe(new RunCounts(15, 15, 0, 0, 0, 0, 4, 0));
        (await Store.ListBatchesAsync(runId, 0, 10, CancellationToken.None)).Select(b => (b.Number, b.Status))
            .ShouldBe([(1, BatchStatus.Succeeded), (2, BatchStatus.Interrupted), (3, BatchStatus.Succeeded), (4, BatchStatus.Succeeded)]);
        // The resume fetches page 2 again by its cursor (a cut batch) and reads on after page 4: pages 3 and 4 are not written again.
        var parked = (await ((IRecoveryStore)Store).ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).Single(i => i.RunId == runId);
        parked.ResumeCursor.ShouldBe("page=4");
    }

    [Fact]
    public async Task RecoverInterruptedRuns_ABatchNumberMissing_ParksTheRemainderAfterTheLastPageBeforeIt_SoThatItsPageIsRead()
    {
        // Batch 3's start never committed (a full state disk) while batch 4's did: page 3 is in no batch. Parked after page 4,
        // its resume would never read page 3, and the chain's watermark would then move past it.
        var runId = await StartRunAsync(DeadOwner());
        foreach (var number in new[] { 1, 2, 4, 5 })
            await Store.BatchStartedAsync(runId, number, $"page={number}", 5, $"2026-11-22T0{number}:00:00Z", T0, CancellationToken.None);
        foreach (var number in new[] { 1, 2, 4 })
        {
            await Store.BatchFinishedAsync(Result(runId, number, $"page={number}", BatchStatus.Succeeded, read: 5, succeeded: 5) with { Watermark = $"2026-11-22T0{number}:00:00Z" },
                CancellationToken.None);
        }

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);

        var parked = (await ((IRecoveryStore)Store).ListIncompleteAsync(new IncompleteFilter(RunId: runId), CancellationToken.None)).ShouldHaveSingleItem();
        (parked.Status, parked.ResumeCursor).ShouldBe((IncompleteStatus.Waiting, "page=2"));
        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("2026-11-22T02:00:00Z");
        // A run whose first batch's start was lost has nothing to read on after: it is not parked, and the next run reads from the watermark.
        var firstLost = await StartRunAsync(DeadOwner());
        await Store.BatchStartedAsync(firstLost, 2, "page=2", 5, T0, CancellationToken.None);
        await Store.RecoverInterruptedRunsAsync(T0.AddHours(2), CancellationToken.None);
        (await ((IRecoveryStore)Store).ListIncompleteAsync(new IncompleteFilter(RunId: firstLost), CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task RecoverInterruptedRuns_BatchesCommittedBeforeTheCrash_MoveTheWatermarkToTheEndOfTheirUnbrokenPrefix_AndTheResolvedChainToAllItRead()
    {
        // Batches 1 and 2 committed, 3 was cut by the kill, 4 committed after it, 5 (the last) was cut: the link's watermark moves
        // past 1 and 2 only (3's records are not written), so that a next run reads 3 to 5 again but not 1 and 2. Once the resume of
        // its remainder (which fetches 3 and 5 again without moving the watermark) has resolved the run, it moves past all five: else
        // the next run would write 5 a third time (the kill cut it after its target write, the resume wrote it again).
        var deadOwner = DeadOwner();
        var runId = await StartRunAsync(deadOwner);
        foreach (var number in new[] { 1, 2, 3, 4, 5 })
            await Store.BatchStartedAsync(runId, number, $"page={number}", 5, $"2026-11-22T0{number}:00:00Z", T0, CancellationToken.None);
        foreach (var number in new[] { 1, 2, 4 })
        {
            await Store.BatchFinishedAsync(Result(runId, number, $"page={number}", BatchStatus.Succeeded, read: 5, succeeded: 5) with { Watermark = $"2026-11-22T0{number}:00:00Z" },
                CancellationToken.None);
        }
        // A second link's run whose first batch had a failed record: nothing moves (the next run reads that record again).
        var other = Name("other");
        await Store.EnsureLinkAsync(other, Name("acme"), CancellationToken.None);
        var failedFirst = await Store.CreateRunAsync(NewRun(other, Name("acme"), T0, deadOwner), CancellationToken.None);
        await Store.BatchStartedAsync(failedFirst, 1, "page=1", 5, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(failedFirst, 1, "page=1", BatchStatus.CompletedWithErrors, read: 5, succeeded: 4, failed: 1,
            outcomes: [FailedOutcome(0, "k", DataError("REQUIRED", "email is required", "validate", "email"))]) with { Watermark = "2026-11-22T01:00:00Z" }, CancellationToken.None);

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);

        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("2026-11-22T02:00:00Z");
        (await Store.GetWatermarkAsync(other, CancellationToken.None)).ShouldBeNull();
        // When the run's chain resolves, it moves to where the run had read, the cut batch included.
        var resume = await StartResumeAsync(runId, RunOwner.Current, T0.AddHours(2));
        await Store.RunFinishedAsync(resume, RunStatus.Succeeded, null, null, T0.AddHours(3), CancellationToken.None);
        await ((IRecoveryStore)Store).ResolveChainAsync(resume, T0.AddHours(3), CancellationToken.None);
        (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Succeeded);
        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("2026-11-22T05:00:00Z");
    }

    [Fact]
    public async Task RecoverInterruptedRuns_AResumeThatHadReadOn_TakesItsParentsRemainderOver_SoThatItsCommittedPagesAreNotWrittenAgain()
    {
        // The run read pages 1 and 2 and died; the resume of its remainder read pages 3 to 5 and died too (3 and 4 committed, 5 cut).
        var parent = await StartRunAsync(DeadOwner());
        foreach (var number in new[] { 1, 2 })
        {
            await Store.BatchStartedAsync(parent, number, $"page={number}", 5, $"2026-11-22T0{number}:00:00Z", T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(parent, number, $"page={number}", BatchStatus.Succeeded, read: 5, succeeded: 5), CancellationToken.None);
        }
        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);
        var recovery = (IRecoveryStore)Store;
        var remainder = (await recovery.ListIncompleteAsync(new IncompleteFilter(RunId: parent), CancellationToken.None)).ShouldHaveSingleItem();
        var resume = await StartResumeAsync(parent, DeadOwner(), T0.AddHours(2));
        foreach (var number in new[] { 1, 2, 3 })
            await Store.BatchStartedAsync(resume, number, $"page={number + 2}", 5, $"2026-11-22T0{number + 2}:00:00Z", T0, CancellationToken.None);
        foreach (var number in new[] { 1, 2 })
            await Store.BatchFinishedAsync(Result(resume, number, $"page={number + 2}", BatchStatus.Succeeded, read: 5, succeeded: 5), CancellationToken.None);

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(3), CancellationToken.None);

        // The parent's remainder is the resume's now: its next retry fetches page 5 again and reads on after it, not pages 3 and 4.
        var taken = (await recovery.GetIncompleteAsync(remainder.Id, CancellationToken.None)).ShouldNotBeNull();
        (taken.Status, taken.ResolvedByRunId, taken.Attempts).ShouldBe((IncompleteStatus.Resolved, resume, 1));
        var own = (await recovery.ListIncompleteAsync(new IncompleteFilter(RunId: resume), CancellationToken.None)).ShouldHaveSingleItem();
        (own.Status, own.ResumeCursor, own.Attempts, own.Error.Code).ShouldBe((IncompleteStatus.Waiting, "page=5", 1, ErrorCodes.Interrupted));
        (await CountsAsync(resume)).ShouldBe(new RunCounts(15, 10, 0, 0, 5, 0, 3, 0));

        // Once the resume's own resume gets through, the chain resolves and the watermark moves past every page the chain read.
        var last = await StartResumeAsync(resume, RunOwner.Current, T0.AddHours(4));
        await Store.RunFinishedAsync(last, RunStatus.Succeeded, null, null, T0.AddHours(5), CancellationToken.None);
        await recovery.ResolveChainAsync(last, T0.AddHours(5), CancellationToken.None);
        (await Store.GetRunAsync(parent, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Succeeded);
        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("2026-11-22T05:00:00Z");
    }

    [Fact]
    public async Task RecoverInterruptedRuns_AResumeCutWhileRedoingItsParentsFailures_LeavesTheRemainderWithTheParent()
    {
        // The resume died while fetching again the parent's cut page 2: what it did is redone by the next retry of the parent's remainder.
        var parent = await StartRunAsync(DeadOwner());
        await Store.BatchStartedAsync(parent, 1, "page=1", 5, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(parent, 1, "page=1", BatchStatus.Succeeded, read: 5, succeeded: 5), CancellationToken.None);
        await Store.BatchStartedAsync(parent, 2, "page=2", 5, T0, CancellationToken.None);
        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);
        var recovery = (IRecoveryStore)Store;
        var remainder = (await recovery.ListIncompleteAsync(new IncompleteFilter(RunId: parent), CancellationToken.None)).ShouldHaveSingleItem();
        var resume = await StartResumeAsync(parent, DeadOwner(), T0.AddHours(2));
        await Store.BatchStartedAsync(resume, 1, "page=2", 5, T0, CancellationToken.None);

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(3), CancellationToken.None);

        (await Store.GetRunAsync(resume, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Interrupted);
        (await recovery.GetIncompleteAsync(remainder.Id, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(IncompleteStatus.Waiting);
        (await recovery.ListIncompleteAsync(new IncompleteFilter(RunId: resume), CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task RecoverInterruptedRuns_AFirstBatchNotedWithTheRunAndCut_KeepsItsWatermarkForWhenTheChainResolves()
    {
        // Batch 1 noted in the run's opening commit carries its page's change marker, as a start noted on its own does.
        var runId = await Store.CreateRunAsync(NewRun(Name("orders"), Name("acme"), T0, DeadOwner()) with
        {
            FirstBatch = new FirstBatch("page=1", 5, "2026-11-22T01:00:00Z"),
        }, CancellationToken.None);

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);
        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBeNull();
        var resume = await StartResumeAsync(runId, RunOwner.Current, T0.AddHours(2));
        await Store.RunFinishedAsync(resume, RunStatus.Succeeded, null, null, T0.AddHours(3), CancellationToken.None);
        await ((IRecoveryStore)Store).ResolveChainAsync(resume, T0.AddHours(3), CancellationToken.None);

        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("2026-11-22T01:00:00Z");
    }

    [Fact]
    public async Task RecoverInterruptedRuns_ALinkWatermarkAheadOfTheCrashedRun_IsNotMovedBack()
    {
        var crashed = await StartRunAsync(DeadOwner());
        await Store.BatchStartedAsync(crashed, 1, "page=1", 5, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(crashed, 1, "page=1", BatchStatus.Succeeded, read: 5, succeeded: 5) with { Watermark = "2026-11-22T01:00:00Z" },
            CancellationToken.None);
        // A later run of the link succeeded (elsewhere) before this crash was found.
        var later = await StartRunAsync();
        await Store.RunFinishedAsync(later, RunStatus.Succeeded, null, "2026-11-22T05:00:00Z", T0.AddMinutes(5), CancellationToken.None);

        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);

        (await Store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("2026-11-22T05:00:00Z");
    }

    [Fact]
    public async Task RecoverInterruptedRuns_ThenLateBatchFinished_ChangesNothing()
    {
        var deadOwner = DeadOwner();
        var runId = await StartRunAsync(deadOwner);
        await Store.BatchStartedAsync(runId, 1, "page=1", 6, T0, CancellationToken.None);
        await Store.RecoverInterruptedRunsAsync(T0.AddHours(1), CancellationToken.None);

        await Store.BatchFinishedAsync(Result(runId, 1, "page=1", BatchStatus.Succeeded, read: 6, succeeded: 6), CancellationToken.None);

        var counts = await CountsAsync(runId);
        counts.ShouldBe(new RunCounts(6, 0, 0, 0, 6, 0, 1, 0));
        counts.IsBalanced.ShouldBeTrue();
        (await Store.ListBatchesAsync(runId, 0, 10, CancellationToken.None)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Interrupted);
    }

    // ---- helpers ----

    /// <summary>A name unique to this test, so that tests never see each other's links and tenants.</summary>
    protected string Name(string name) => $"{name}-{_prefix}";

    protected async Task<long> StartRunAsync(string? owner = null)
    {
        var link = Name("orders");
        await Store.EnsureLinkAsync(link, Name("acme"), CancellationToken.None);
        return await Store.CreateRunAsync(NewRun(link, Name("acme"), T0, owner ?? RunOwner.Current), CancellationToken.None);
    }

    /// <summary>A resume of the remainder of run <paramref name="parentRunId"/> on link "orders", owned by <paramref name="owner"/>.</summary>
    protected Task<long> StartResumeAsync(long parentRunId, string owner, DateTimeOffset startedAt) =>
        Store.CreateRunAsync(new NewRun(Name("orders"), Name("acme"), RunKind.Resume, "resume", parentRunId, null, owner, startedAt) { CarriesAllFailures = true },
            CancellationToken.None);

    /// <summary>The owner of a run whose process is gone (on this host): crash recovery takes it over.</summary>
    protected static string DeadOwner() => DeadProcess.Owner();

    protected async Task<RunCounts> CountsAsync(long runId) =>
        (await Store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull().Counts;

    protected static NewRun NewRun(string link, string tenant, DateTimeOffset? startedAt = null, string? owner = null) =>
        new(link, tenant, RunKind.Manual, "manual", null, null, owner ?? RunOwner.Current, startedAt ?? T0);

    protected static BatchResult Result(long runId, int number, string? cursor, BatchStatus status, int read, int succeeded = 0, int failed = 0,
        int ignored = 0, int warnings = 0, ResyncError? error = null, IReadOnlyList<RecordOutcome>? outcomes = null) =>
        new(runId, number, cursor, status, read, succeeded, failed, ignored, warnings, error, outcomes ?? [], T0.AddMinutes(1));

    protected static ResyncError DataError(string code, string message, string step, params string[] fields) =>
        new(ErrorScope.Record, ErrorType.Data, Durability.Durable, code, message, step, fields, "Fix the record.", T0, 1);

    protected static ResyncError BatchError(string code, string message, string step) =>
        new(ErrorScope.Batch, ErrorType.Runtime, Durability.Durable, code, message, step, [], "Look at the page.", T0, 1);

    protected static RecordOutcome FailedOutcome(int position, string? key, ResyncError error) =>
        new(position, key, OutcomeKind.Failed, error, null, null, [], null);

    protected static RecordOutcome IgnoredOutcome(int position, string? key, string step, string reason) =>
        new(position, key, OutcomeKind.Ignored, null, step, reason, [], null);

    protected static void ShouldMatch(ResyncError actual, ResyncError expected) =>
        actual.ShouldSatisfyAllConditions(
            a => a.Scope.ShouldBe(expected.Scope),
            a => a.Type.ShouldBe(expected.Type),
            a => a.Durability.ShouldBe(expected.Durability),
            a => a.Code.ShouldBe(expected.Code),
            a => a.Message.ShouldBe(expected.Message),
            a => a.Step.ShouldBe(expected.Step),
            a => a.Fields.ShouldBe(expected.Fields),
            a => a.Hint.ShouldBe(expected.Hint),
            a => a.OccurredAt.ShouldBe(expected.OccurredAt),
            a => a.Attempt.ShouldBe(expected.Attempt));

    private static string Key(int batch, int position) => $"b{batch}-r{position:D2}";

    private static IEnumerable<string> Keys(int batch, int from, int count) => Enumerable.Range(from, count).Select(p => Key(batch, p));
}
