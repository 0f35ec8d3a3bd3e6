using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using Resync.Storage.Sqlite;

namespace Resync.Core.Tests.Recovery;

public sealed class IncompleteRunTests
{
    private static readonly ErrorClassification BadEmail =
        new(ErrorType.Data, Durability.Durable, "INVALID_EMAIL", "email is not an address", "Fix it.", ["email"]);

    private static HttpRequestException TargetDown() =>
        new("The target refused the connection.", new SocketException((int)SocketError.ConnectionRefused));

    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "RestartAsync disposes the harness it restarts; the restarted one is disposed by await using.")]
    public async Task TargetDownMidRun_ParksTheRemainder_WhichSurvivesARestart_AndIsRetriedAutomaticallyWhenDue()
    {
        var clock = new ManualTimeProvider();
        var harness = await RecoveryHarness.StartAsync(clock);
        var source = ListSource.Paged(10, 10);
        var target = new CollectingTarget().ThrowOnBatch(4, TargetDown());
        var link = RecoveryHarness.Link(source, target, new LinkSettings { BatchSize = 10, Parallelism = 1 });

        var outcome = await harness.RunAsync(link);

        outcome.Run.Status.ShouldBe(RunStatus.Failed);
        outcome.Run.SystemError!.Type.ShouldBe(ErrorType.Connection);
        var parked = await harness.ParkedAsync(outcome);
        parked.Status.ShouldBe(IncompleteStatus.Scheduled);
        parked.NextAttemptAt.ShouldBe(clock.GetUtcNow() + TimeSpan.FromMinutes(1));
        parked.ResumeCursor.ShouldNotBeNull();
        outcome.Health.NextAttemptAt.ShouldBeNull("the remainder retries itself; the link is not backed off");

        // The process restarts; the target is back; the scheduler finds the remainder when it is due.
        harness = await harness.RestartAsync();
        await using var _ = harness;
        target.Fix();
        var scheduler = new LinkScheduler(new FixedLinks(link), harness.Runner, harness.Store, clock);
        (await scheduler.StartDueRunsAsync(CancellationToken.None)).ShouldBe(parked.NextAttemptAt);
        var ended = new TaskCompletionSource<ScheduledRun>();
        scheduler.RunEnded += run => ended.TrySetResult(run);
        clock.Advance(TimeSpan.FromMinutes(1));
        await scheduler.StartDueRunsAsync(CancellationToken.None);
        var resumed = (await ended.Task.WaitAsync(Patience.Limit)).Result.ShouldNotBeNull();

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.GetRunAsync(outcome.Run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(resumed.RunId)).Kind.ShouldBe(RunKind.Resume);
        (await harness.Store.GetIncompleteAsync(parked.Id, CancellationToken.None))!.Status.ShouldBe(IncompleteStatus.Resolved);
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
        target.ShouldHoldEachOfTheFirst(100, "every record once, none twice");
    }

    [Fact]
    public async Task SequentialProcessing_StopsAtTheFirstDataError_AndAnEditedRecordSucceedsOnManualRetry()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var source = ListSource.Paged(5, 10);
        var target = new CollectingTarget().Refuse(r => r["email"] is "contact23@example.com", BadEmail);
        var link = RecoveryHarness.Link(source, target, new LinkSettings { BatchSize = 10, SequentialProcessing = true });

        var outcome = await harness.RunAsync(link);

        outcome.Run.SystemError!.Code.ShouldBe(ErrorCodes.SequentialStop);
        (outcome.Run.Counts.Succeeded + outcome.Run.Counts.Failed).ShouldBe(23, "nothing after the failing record was processed");
        outcome.Run.Counts.Incomplete.ShouldBe(outcome.Run.Counts.Read - 23);
        target.BatchesWritten.Max().ShouldBe(3);
        var parked = await harness.ParkedAsync(outcome);
        parked.Status.ShouldBe(IncompleteStatus.Waiting, "a data error waits for a person");
        harness.Alerts.Raised.ShouldContain(a => a.Kind == AlertKinds.WaitingForAPerson);

        var failed = (await harness.Store.ListRecordsAsync(outcome.Run.RunId, new RecordFilter(Records.OutcomeKind.Failed), CancellationToken.None)).ShouldHaveSingleItem();
        await harness.Runner.EditIncompleteRecordAsync(parked.Id, failed.BatchNumber, failed.Position,
            new Dictionary<string, object?> { ["id"] = 23L, ["name"] = "Contact 23", ["email"] = "fixed23@example.com" });
        var resumed = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.GetRunAsync(outcome.Run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        resumed.Counts.Read.ShouldBe(28, "the edited record, the rest of its batch, then the batches after it");
        target.Written.Any(r => Equals(r["email"], "fixed23@example.com")).ShouldBeTrue();
        target.Written.Count.ShouldBe(50);
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task SequentialProcessing_NothingAfterTheFirstFailedRecordIsWritten_AndEachResumeContinuesInSourceOrder()
    {
        // Regression: records after the failed one in its batch were written, and after the fix the target ended out of order with duplicates.
        await using var harness = await RecoveryHarness.StartAsync();
        string[] bad = ["contact7@example.com", "contact23@example.com"];
        var target = new CollectingTarget().Refuse(r => bad.Contains(r["email"]), BadEmail);
        var link = RecoveryHarness.Link(ListSource.Paged(6, 10), target, new LinkSettings { BatchSize = 10, SequentialProcessing = true });

        var outcome = await harness.RunAsync(link);

        target.Written.Select(TestRecords.Id).ShouldBe([1, 2, 3, 4, 5, 6], "nothing after record 7 is written");
        outcome.Run.Counts.IsBalanced.ShouldBeTrue();
        outcome.Run.Counts.Failed.ShouldBe(1);
        var expected = new List<long>(target.Written.Select(TestRecords.Id));

        // Fixed one by one: each resume writes in order up to the next bad record and parks again.
        foreach (var (id, next) in new[] { (7L, 23L), (23L, 0L) })
        {
            var parked = (await harness.Store.ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldHaveSingleItem();
            var failed = (await harness.Store.ListRecordsAsync(parked.RunId, new RecordFilter(Records.OutcomeKind.Failed), CancellationToken.None)).ShouldHaveSingleItem();
            failed.Key.ShouldBe($"c{id}");
            await harness.Runner.EditIncompleteRecordAsync(parked.Id, failed.BatchNumber, failed.Position,
                new Dictionary<string, object?> { ["id"] = id, ["name"] = $"Contact {id}", ["email"] = $"fixed{id}@example.com" });

            var resumed = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

            resumed.Counts.IsBalanced.ShouldBeTrue();
            resumed.Status.ShouldBe(next == 0 ? RunStatus.Succeeded : RunStatus.Failed);
            expected.AddRange(Enumerable.Range((int)id, (int)(next == 0 ? 61 - id : next - id)).Select(i => (long)i));
            target.Written.Select(TestRecords.Id).ShouldBe(expected, "in source order, none twice");
        }
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task EditedRecord_OfABatchFetchedAgainByCursor_IsWrittenWithItsEdits()
    {
        // Regression: a batch the target refused as a whole is fetched again from the source on retry, and its edited
        // record used to be written with the source's values, silently dropping the edit.
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(2, TargetDown());
        var source = ListSource.Paged(3, 10);
        var link = RecoveryHarness.Link(source, target, new LinkSettings { BatchSize = 10, Parallelism = 1, CallRetryAttempts = 1 });
        var outcome = await harness.RunAsync(link);
        var id = outcome.IncompleteRunId!.Value;
        var failed = (await harness.Store.ListRecordsAsync(outcome.Run.RunId, new RecordFilter(Records.OutcomeKind.Failed), CancellationToken.None))[0];
        (failed.BatchNumber, failed.Position).ShouldBe((2, 0));

        await harness.Runner.EditIncompleteRecordAsync(id, failed.BatchNumber, failed.Position,
            new Dictionary<string, object?> { ["id"] = 11L, ["name"] = "Contact 11", ["email"] = "edited@example.com" });
        target.Fix();
        var resumed = await harness.Runner.RetryIncompleteAsync(link, id);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.GetRunAsync(outcome.Run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Single(r => TestRecords.Id(r) == 11)["email"].ShouldBe("edited@example.com");
        target.ShouldHoldEachOfTheFirst(30);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ResumeStoppedAgain_KeepsWhatItDidNotReach_AndTheNextResumeWritesEveryRecordOnce(bool inThePagesNeverRead)
    {
        // Regression: a resume that stopped in the cut batches lost the rest of them and every page never read.
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(3, TargetDown());
        var link = RecoveryHarness.Link(ListSource.Paged(10, 10), target, new LinkSettings { BatchSize = 10, Parallelism = 1, CallRetryAttempts = 1 });
        var outcome = await harness.RunAsync(link);
        var first = await harness.ParkedAsync(outcome);
        first.ResumeCursor.ShouldNotBeNull();
        var cut = (await harness.Store.ListBatchesAsync(outcome.Run.RunId, 0, 100, CancellationToken.None)).Count(b => b.Status is BatchStatus.Failed or BatchStatus.Interrupted);

        // The resume takes the cut batches first, then the pages never read: the target fails again at the first of the
        // cut batches, or at the second page never read.
        target.Fix().ThrowOnBatch(inThePagesNeverRead ? cut + 2 : 1, TargetDown());
        var stoppedAgain = await harness.Runner.RetryIncompleteAsync(link, first.Id);

        stoppedAgain.Status.ShouldBe(RunStatus.Failed);
        stoppedAgain.Counts.IsBalanced.ShouldBeTrue();
        var second = (await harness.Store.ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldHaveSingleItem();
        second.RunId.ShouldBe(stoppedAgain.RunId);
        var cursors = (Before: int.Parse(first.ResumeCursor, CultureInfo.InvariantCulture), After: int.Parse(second.ResumeCursor!, CultureInfo.InvariantCulture));
        if (inThePagesNeverRead)
            cursors.After.ShouldBeGreaterThan(cursors.Before, "the pages never read now start after the resume's last page");
        else
        {
            // The resume stopped at its first cut batch; its queue (two batches per worker) may have taken a page never read by
            // then, kept as interrupted: the pages never read start where the first run stopped reading, or after that page.
            cursors.After.ShouldBeInRange(cursors.Before, cursors.Before + 1, "the pages never read start where the first run stopped reading");
        }

        target.Fix();
        var resumed = await harness.Runner.RetryIncompleteAsync(link, second.Id);

        await harness.ShouldHaveRecoveredAsync(resumed, target, 100, "every record once, none twice, none lost", outcome.Run.RunId);
    }

    [Fact]
    public async Task SourceThatCannotResume_ItsIncompleteRunSaysWhatIsNotRead_AndItsResumeDoesNotCallTheRunSucceeded()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(2, TargetDown());
        var link = RecoveryHarness.Link(new NotResumableSource(ListSource.Paged(10, 10)), target, new LinkSettings { BatchSize = 10, Parallelism = 1, CallRetryAttempts = 1 });
        var outcome = await harness.RunAsync(link);
        var parked = await harness.ParkedAsync(outcome);

        parked.ResumeCursor.ShouldBeNull();
        parked.Note.ShouldNotBeNull().ShouldContain("cannot continue after a page");
        parked.Note.ShouldContain($"resync run {RecoveryHarness.LinkId}");

        target.Fix();
        var resumed = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Failed, "pages were never read: the run is not fixed");
        (await harness.HistoryAsync(resumed.RunId)).ShouldContain(e => e.Message.StartsWith("Not recovered by this resume. Not read: ", StringComparison.Ordinal));
        parked.NotRecovered.ShouldBe(parked.Note);
    }

    [Fact]
    public async Task RunThatDiedWithABatchNumberMissing_ItsResumeReadsTheMissingPage_AndTakesTheLaterOnesOnceEach_AskingTheLedgerFirst()
    {
        // What a process that died leaves when batch 3's start never committed (a full state disk) while batch 4's did: pages 1,
        // 2 and 4 written, page 5 cut by the crash, page 3 in no batch. Regression: the resume read on after page 5, so page 3 was lost.
        await using var harness = await RecoveryHarness.StartAsync();
        var written = new ConcurrentQueue<(string? Cursor, bool MayBeWritten)>();
        var target = new CollectingTarget { BeforeWrite = (batch, _) => { written.Enqueue((batch.Cursor, batch.MayBeWritten)); return Task.CompletedTask; } };
        var source = ListSource.Paged(6, 10);
        var link = RecoveryHarness.Link(source, target, new LinkSettings { BatchSize = 10, Parallelism = 1 });
        var now = harness.Clock.GetUtcNow();
        var runId = await harness.Store.CreateRunAsync(new NewRun(link.Id, link.Tenant, RunKind.Manual, "test", null, null, DeadProcess.Owner(), now), CancellationToken.None);
        foreach (var number in new[] { 1, 2, 4, 5 })
            await harness.Store.BatchStartedAsync(runId, number, $"{number}", 10, now, CancellationToken.None);
        foreach (var number in new[] { 1, 2, 4 })
            await harness.Store.BatchFinishedAsync(new BatchResult(runId, number, $"{number}", BatchStatus.Succeeded, 10, 10, 0, 0, 0, null, [], now), CancellationToken.None);
        await harness.Store.RecoverInterruptedRunsAsync(now, CancellationToken.None);
        var parked = (await harness.Store.ListIncompleteAsync(new IncompleteFilter(RunId: runId), CancellationToken.None)).ShouldHaveSingleItem();

        var resumed = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(runId)).Status.ShouldBe(RunStatus.Succeeded);
        // Page 3 is read; pages 4 and 5, which may be in the target already, are taken once each (not fetched again besides) and
        // marked so that a target keeping a ledger of its batches does not write them twice.
        written.ShouldBe([("3", false), ("4", true), ("5", true), ("6", false)]);
        target.Written.Select(record => record.Key).ShouldBeUnique();
        source.PagesRefetched.ShouldBe(0);
    }

    [Fact]
    public async Task RunWhoseStoreLostABatchStart_WhileLaterOnesCommitted_ParksItsRemainderBeforeThatPage_AndTheResumeLosesNothing()
    {
        // Regression: batch 3's start failed to commit (a state database connection cut, a full disk) while batch 4's committed;
        // the run parked its remainder after the last page it took, so page 3 was never read again.
        await using var harness = await RecoveryHarness.StartAsync();
        var written = new ConcurrentQueue<(string? Cursor, bool MayBeWritten)>();
        var target = new CollectingTarget { BeforeWrite = (batch, _) => { written.Enqueue((batch.Cursor, batch.MayBeWritten)); return Task.CompletedTask; } };
        var link = RecoveryHarness.Link(ListSource.Paged(6, 10), target, new LinkSettings { BatchSize = 10, Parallelism = 1 });
        var store = new LosingStartStore(harness.Store, lostBatch: 3);
        var runner = new LinkRunner(store, harness.Store, harness.Store, harness.Clock);

        var outcome = await runner.RunAsync(link, new RunRequest(RunKind.Manual, "test"));

        outcome.Run.Status.ShouldBe(RunStatus.Failed);
        outcome.Run.SystemError.ShouldNotBeNull().Step.ShouldBe("store");
        var batches = await harness.Store.ListBatchesAsync(outcome.Run.RunId, 0, 100, CancellationToken.None);
        batches.ShouldNotContain(batch => batch.Number == 3);
        batches.ShouldContain(batch => batch.Number == 4, "the page after the lost start was taken");
        var parked = await harness.ParkedAsync(outcome);
        parked.ResumeCursor.ShouldBe("2");

        var resumed = await runner.RetryIncompleteAsync(link, parked.Id);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Select(record => record.Key).Distinct().Count().ShouldBe(60, "every record of the six pages, page 3's included");
        // A page written in the run and taken again by the resume is flagged, so that a target keeping a ledger skips it.
        var first = written.Take(written.Count - resumed.Counts.BatchesTotal).Select(w => w.Cursor).ToHashSet();
        written.Skip(first.Count).Where(w => first.Contains(w.Cursor)).ShouldAllBe(w => w.MayBeWritten);
        written.Skip(first.Count).Select(w => w.Cursor).ShouldContain("3");
    }

    [Fact]
    public async Task ResumeWhoseStoreLostABatchStart_LeavesTheRemainderWithItsParent_WhoseNextRetryLosesNothing()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(3, TargetDown());
        var link = RecoveryHarness.Link(ListSource.Paged(8, 10), target, new LinkSettings { BatchSize = 10, Parallelism = 1, CallRetryAttempts = 1 });
        var outcome = await harness.RunAsync(link);
        var parked = await harness.ParkedAsync(outcome);
        target.Fix();

        // The resume's second batch start is lost while its third commits: that page could be a failure of the parent or a page
        // never read, and neither the resume's cursor nor what it keeps would bring it back.
        var losing = new LinkRunner(new LosingStartStore(harness.Store, lostBatch: 2), harness.Store, harness.Store, harness.Clock, harness.Alerts);
        var resumed = await losing.RetryIncompleteAsync(link, parked.Id);

        resumed.Status.ShouldBe(RunStatus.Failed);
        var kept = (await harness.Store.GetIncompleteAsync(parked.Id, CancellationToken.None)).ShouldNotBeNull();
        (kept.Status, kept.Attempts).ShouldBe((IncompleteStatus.Scheduled, 1));
        (await harness.Store.ListIncompleteAsync(new IncompleteFilter(RunId: resumed.RunId), CancellationToken.None)).ShouldBeEmpty();
        (await harness.HistoryAsync(resumed.RunId)).ShouldContain(entry => entry.Message.Contains($"stays with incomplete run {parked.Id}"));
        harness.Alerts.Raised.ShouldContain(alert => alert.RunId == resumed.RunId && alert.Message.Contains("attempt 2 is due"));

        var again = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

        again.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Select(TestRecords.Id).Distinct().Order().ShouldBe(Enumerable.Range(1, 80).Select(id => (long)id), "every record, none lost");
        (await harness.RunViewAsync(outcome.Run.RunId)).Status.ShouldBe(RunStatus.Succeeded);
    }

    /// <summary>The real store, except that the start of one batch fails once, as a write the database did not take.</summary>
    private sealed class LosingStartStore(IRunStore inner, int lostBatch) : IRunStore
    {
        private int _lost;

        public Task InitializeAsync(CancellationToken cancellationToken) => inner.InitializeAsync(cancellationToken);

        public Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.RecoverInterruptedRunsAsync(now, cancellationToken);

        public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) => inner.EnsureLinkAsync(linkId, tenant, cancellationToken);

        public Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken) => inner.CreateRunAsync(run, cancellationToken);

        public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
            BatchStartedAsync(runId, batchNumber, cursor, recordCount, null, startedAt, cancellationToken);

        public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
            batchNumber == lostBatch && Interlocked.Exchange(ref _lost, 1) == 0
                ? Task.FromException(new IOException("database disk image is full"))
                : inner.BatchStartedAsync(runId, batchNumber, cursor, recordCount, watermark, startedAt, cancellationToken);

        public Task BatchStartedHeldAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt,
            CancellationToken cancellationToken) => BatchStartedAsync(runId, batchNumber, cursor, recordCount, watermark, startedAt, cancellationToken);

        public Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken) => inner.BatchFinishedAsync(result, cancellationToken);

        public Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken) =>
            inner.RunFinishedAsync(runId, status, systemError, newWatermark, endedAt, cancellationToken);

        public Task RunFinishedWithLastBatchAsync(BatchResult lastBatch, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt,
            CancellationToken cancellationToken) => inner.RunFinishedWithLastBatchAsync(lastBatch, status, systemError, newWatermark, endedAt, cancellationToken);

        public Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken) => inner.GetWatermarkAsync(linkId, cancellationToken);
    }

    [Fact]
    public async Task RunCancelledMidway_ParksWhatItDidNotGetTo_AndOneRetryWritesEveryRecordOnce()
    {
        // Regression: Ctrl+C left an Interrupted run and nothing about the records it never read.
        await using var harness = await RecoveryHarness.StartAsync();
        using var stop = new CancellationTokenSource();
        var source = CancelledOnceTaken(ListSource.Paged(20, 10), page: 5, stop);
        var target = new CollectingTarget();
        var link = RecoveryHarness.Link(source, target, new LinkSettings { BatchSize = 10, Parallelism = 1 });

        var outcome = await harness.RunAsync(link, stop.Token);

        outcome.Run.Status.ShouldBe(RunStatus.Interrupted);
        target.Written.Count.ShouldBeLessThan(200);
        var parked = await harness.ParkedAsync(outcome);
        parked.Status.ShouldBe(IncompleteStatus.Scheduled, "due at once: a server resumes it when it runs again");
        parked.NextAttemptAt.ShouldBe(harness.Clock.GetUtcNow());
        parked.Error.Code.ShouldBe(ErrorCodes.Interrupted);
        parked.ResumeCursor.ShouldNotBeNull();
        // Retry Failures would carry the cut batches only, and could say Succeeded with pages never read: it points to the remainder.
        var refused = await Should.ThrowAsync<NothingToRetryException>(() => harness.Runner.RetryFailuresAsync(link, outcome.Run.RunId));
        refused.Message.ShouldContain($"is incomplete run {parked.Id}");

        var resumed = await harness.Runner.RetryIncompleteAsync(link, parked.Id);

        await harness.ShouldHaveRecoveredAsync(resumed, target, 200, "every record once, none lost", outcome.Run.RunId);
    }

    [Fact]
    public async Task ResumeOfACancelledRun_ThatReadsThePagesNeverRead_MovesTheWatermarkPastThem()
    {
        // Regression: the chain's success moved the watermark to where the cancelled run had stopped reading, so the next
        // run read (and wrote again) every page the resume had read.
        await using var harness = await RecoveryHarness.StartAsync();
        using var stop = new CancellationTokenSource();
        var source = CancelledOnceTaken(ListSource.Paged(20, 10), page: 5, stop);
        for (var page = 1; page <= 20; page++)
            source.WithWatermark(page, string.Create(CultureInfo.InvariantCulture, $"w{page:D2}"));
        var link = RecoveryHarness.Link(source, new CollectingTarget(), new LinkSettings { BatchSize = 10, Parallelism = 1 });
        var outcome = await harness.RunAsync(link, stop.Token);
        (await harness.Store.GetWatermarkAsync(RecoveryHarness.LinkId, CancellationToken.None)).ShouldBeNull();

        (await harness.Runner.RetryIncompleteAsync(link, outcome.IncompleteRunId.ShouldNotBeNull())).Status.ShouldBe(RunStatus.Succeeded);

        (await harness.Store.GetWatermarkAsync(RecoveryHarness.LinkId, CancellationToken.None)).ShouldBe("w20");
    }

    [Fact]
    public async Task RemainderAndTickDueTogether_TheRemainderIsResumedFirst_AndTheTickIsDropped()
    {
        // Regression: the tick went first and read again from the watermark every record the remainder held or the stopped
        // run had written; the remainder then wrote its records a second time.
        var clock = new ManualTimeProvider();
        await using var harness = await RecoveryHarness.StartAsync(clock);
        var (link, target, stop) = TickingLinkStoppedAfterPage2();
        using var stopping = stop;
        var scheduler = new LinkScheduler(new FixedLinks(link), harness.Runner, harness.Store, clock);
        await scheduler.StartDueRunsAsync(CancellationToken.None);
        var outcome = await harness.Runner.RunAsync(link, new Resync.Core.Engine.RunRequest(RunKind.Scheduled, "test"), cancellationToken: stop.Token);
        outcome.IncompleteRunId.ShouldNotBeNull();
        await TheNextTickResumesTheRemainderFirstAsync(harness, scheduler, clock, target);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(-5)]
    public async Task RemainderParkedByAProcessWhoseClockIsSkewed_IsResumedAtOnceByTheScheduler_BeforeATick(int skewMinutes)
    {
        // Scenario 16 of issue 17: the process that parked the remainder "due at once" ran with its clock 5 minutes ahead of (or
        // behind) the server's. Regression (ahead): the server saw it due in 5 minutes, and its tick went first, reading again
        // from the watermark what the remainder held.
        var serverClock = new ManualTimeProvider();
        var skewed = new ManualTimeProvider(serverClock.GetUtcNow() + TimeSpan.FromMinutes(skewMinutes));
        await using var harness = await RecoveryHarness.StartAsync(skewed);
        var (link, target, stop) = TickingLinkStoppedAfterPage2();
        using var stopping = stop;
        // The server: the same state file, its own clock.
        await using var store = new SqliteRunStore(harness.Store.FilePath, serverClock);
        await store.InitializeAsync(CancellationToken.None);
        var scheduler = new LinkScheduler(new FixedLinks(link), new LinkRunner(store, store, store, serverClock), store, serverClock);
        await scheduler.StartDueRunsAsync(CancellationToken.None);
        // Another process (the skewed clock) runs the link and is stopped by its caller: its remainder is due at once.
        (await harness.Runner.RunAsync(link, new Resync.Core.Engine.RunRequest(RunKind.Scheduled, "test"), cancellationToken: stop.Token)).IncompleteRunId.ShouldNotBeNull();
        await TheNextTickResumesTheRemainderFirstAsync(harness, scheduler, serverClock, target);
    }

    /// <summary>The source, with <paramref name="stop"/> cancelled (as by Ctrl+C) once the run has taken page <paramref name="page"/>.</summary>
    private static ListSource CancelledOnceTaken(ListSource source, int page, CancellationTokenSource stop)
    {
        source.AfterPageTaken = taken =>
        {
            if (taken == page)
                stop.Cancel();
        };
        return source;
    }

    /// <summary>A link of 40 records ticking every minute, whose run is stopped by its caller (<c>Stop</c>) once it has taken its second page.</summary>
    private static (Link Link, CollectingTarget Target, CancellationTokenSource Stop) TickingLinkStoppedAfterPage2()
    {
        var stop = new CancellationTokenSource();
        var target = new CollectingTarget();
        var link = RecoveryHarness.Link(CancelledOnceTaken(ListSource.Paged(4, 10), page: 2, stop), target, new LinkSettings { BatchSize = 10, Parallelism = 1 });
        link = new Link(link.Id, link.Source, link.Steps, link.Target, link.Settings, link.Tenant)
        {
            Trigger = new LinkTrigger(new IntervalSchedule(TimeSpan.FromMinutes(1)), true, false),
        };
        return (link, target, stop);
    }

    /// <summary>Moves the scheduler's clock to the link's next tick: the first run it starts is the resume, and every record is in the target once.</summary>
    private static async Task TheNextTickResumesTheRemainderFirstAsync(RecoveryHarness harness, LinkScheduler scheduler, ManualTimeProvider clock, CollectingTarget target)
    {
        var ended = new TaskCompletionSource<ScheduledRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        scheduler.RunEnded += run => ended.TrySetResult(run);
        clock.Advance(TimeSpan.FromMinutes(1));

        await scheduler.StartDueRunsAsync(CancellationToken.None);

        var first = (await ended.Task.WaitAsync(Patience.Limit)).Result.ShouldNotBeNull();
        var resume = await harness.RunViewAsync(first.RunId);
        resume.Kind.ShouldBe(RunKind.Resume);
        target.ShouldHoldEachOfTheFirst(40, "every record once");
        // The exact accounting: both runs balanced, and each record succeeded in exactly one of them.
        var parent = await harness.RunViewAsync(resume.ParentRunId.ShouldNotBeNull());
        parent.Counts.IsBalanced.ShouldBeTrue($"{parent.Counts}");
        resume.Counts.IsBalanced.ShouldBeTrue($"{resume.Counts}");
        (parent.Counts.Succeeded + resume.Counts.Succeeded).ShouldBe(40, "each record succeeded in exactly one of the two runs");
    }

    [Fact]
    public async Task Discard_EndsTheIncompleteRun_AndTheRunsHistorySaysSo()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) == 2, BadEmail);
        var link = RecoveryHarness.Link(ListSource.Paged(3, 10), target, new LinkSettings { BatchSize = 10, SequentialProcessing = true });
        var outcome = await harness.RunAsync(link);
        var id = outcome.IncompleteRunId!.Value;

        await harness.Runner.DiscardIncompleteAsync(id, "the source will send it again");

        (await harness.Store.GetIncompleteAsync(id, CancellationToken.None))!.Status.ShouldBe(IncompleteStatus.Discarded);
        (await harness.Store.ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldBeEmpty();
        (await harness.HistoryAsync(outcome.Run.RunId)).ShouldContain(e => e.Kind == RunEventKinds.Discarded && e.Message.Contains("the source will send it again", StringComparison.Ordinal));
        await Should.ThrowAsync<InvalidOperationException>(() => harness.Runner.RetryIncompleteAsync(link, id));
    }

    [Fact]
    public async Task WithStoreIncompleteRunsOff_TheRunFails_AndNothingIsParked()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var link = RecoveryHarness.Link(ListSource.Paged(5, 10), new CollectingTarget().ThrowOnBatch(2, TargetDown()),
            new LinkSettings { BatchSize = 10, Parallelism = 1, StoreIncompleteRuns = false });

        var outcome = await harness.RunAsync(link);

        outcome.Run.Status.ShouldBe(RunStatus.Failed);
        outcome.IncompleteRunId.ShouldBeNull();
        (await harness.Store.ListIncompleteAsync(new IncompleteFilter(), CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PushedRecords_OfBatchesNeverStarted_AreKeptWithTheirValues_AndWrittenOnceByTheResume()
    {
        // Regression: a source that cannot fetch pages again (pushes) left the records of never-started batches without values.
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().ThrowOnBatch(2, TargetDown());
        var link = RecoveryHarness.Link(new PushLikeSource(ListSource.Paged(6, 10)), target, new LinkSettings { BatchSize = 10, Parallelism = 1 });

        var outcome = await harness.RunAsync(link);

        // Every pushed record is accounted for: batch 1 written, batch 2 failed with the target, the pages never read kept as incomplete.
        outcome.Run.Counts.Read.ShouldBe(60);
        outcome.Run.Counts.Succeeded.ShouldBe(10);
        (outcome.Run.Counts.Failed + outcome.Run.Counts.Incomplete).ShouldBe(50);
        var unprocessed = await harness.Store.ListRecordsAsync(outcome.Run.RunId, new RecordFilter(Records.OutcomeKind.Incomplete, 0, 1000), CancellationToken.None);
        unprocessed.Count.ShouldBe((int)outcome.Run.Counts.Incomplete);
        unprocessed.ShouldAllBe(r => r.BeforeJson != null);

        target.Fix();
        var resumed = await harness.Runner.RetryIncompleteAsync(link, outcome.IncompleteRunId!.Value);

        resumed.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.GetRunAsync(outcome.Run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        // Every record is written once: the batch that failed, the batches never started and the pages never read, from their values.
        target.ShouldHoldEachOfTheFirst(60);
    }

    /// <summary>Like a push: the records are held in memory; no page can be fetched again once the run is over.</summary>
    private sealed class PushLikeSource(ListSource pages) : Sdk.IHeldRecordsSource, Sdk.ISource
    {
        public IAsyncEnumerable<Sdk.SourcePage> ReadAsync(Sdk.SourceContext context, CancellationToken cancellationToken) => pages.ReadAsync(context, cancellationToken);

        public IAsyncEnumerable<Sdk.SourcePage> ReadAfterAsync(string cursor, Sdk.SourceContext context, CancellationToken cancellationToken) =>
            pages.ReadAfterAsync(cursor, context, cancellationToken);

        public Task<Sdk.SourcePage> FetchPageAsync(string cursor, Sdk.SourceContext context, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Pushed records cannot be fetched again.");
    }

    /// <summary>A pull source that cannot continue after a page (a plug-in without <see cref="Sdk.IResumableSource"/>).</summary>
    private sealed class NotResumableSource(ListSource pages) : Sdk.ISource
    {
        public IAsyncEnumerable<Sdk.SourcePage> ReadAsync(Sdk.SourceContext context, CancellationToken cancellationToken) => pages.ReadAsync(context, cancellationToken);

        public Task<Sdk.SourcePage> FetchPageAsync(string cursor, Sdk.SourceContext context, CancellationToken cancellationToken) =>
            pages.FetchPageAsync(cursor, context, cancellationToken);
    }
}
