using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Recovery;

public sealed class RetryFailuresTests
{
    private static Exception Timeout(int page) => new TimeoutException($"page {page} did not answer in time");

    private static bool BreaksConstraint(Record record) => TestRecords.Id(record) % 50 == 7;

    [Fact]
    public async Task RetryFailures_AfterTimeoutsAndConstraintErrors_RefetchesOnlyFailedPages_ResendsOnlyFailedRecords_AndTheChainResolvesTheRoot()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        // 100 pages of 50: pages 13, 47 and 88 time out; 2% of records (id % 50 == 7) break a target constraint.
        var source = ListSource.Paged(100, 50).FailPage(13, Timeout(13)).FailPage(47, Timeout(47)).FailPage(88, Timeout(88));
        for (var page = 1; page <= 100; page++)
            source.WithWatermark(page, $"2026-01-01T00:{page / 60:D2}:{page % 60:D2}Z");
        var target = new CollectingTarget().Refuse(BreaksConstraint, RecoveryHarness.PhoneTooLong);
        var link = RecoveryHarness.Link(source, target);

        var root = (await harness.RunAsync(link)).Run;
        root.Status.ShouldBe(RunStatus.CompletedWithErrors);
        root.Counts.BatchesFailed.ShouldBe(3);
        root.Counts.Failed.ShouldBe(97); // 100 bad records, 3 of them on the pages that timed out
        (await harness.Store.GetWatermarkAsync(RecoveryHarness.LinkId, CancellationToken.None)).ShouldBeNull();

        // The constraint is fixed and two of the three pages answer again.
        target.Fix();
        source.Heal(13, 47);
        var writtenBefore = target.Written.Count;

        var first = await harness.Runner.RetryFailuresAsync(link, root.RunId);

        source.PagesRefetched.ShouldBe(3, "only the three failed pages are fetched again");
        source.PagesFetched.ShouldBe(100, "the retry reads nothing else from the source");
        var resent = target.Written.Skip(writtenBefore).Select(TestRecords.Id).ToList();
        resent.Count.ShouldBe(97 + 100);
        resent.Where(id => (id - 1) / 50 + 1 is not (13 or 47)).ShouldAllBe(id => id % 50 == 7);
        first.Status.ShouldBe(RunStatus.CompletedWithErrors);
        first.Counts.BatchesFailed.ShouldBe(1);
        (await harness.RunViewAsync(root.RunId)).Status.ShouldBe(RunStatus.CompletedWithErrors);

        // The last page answers again: a retry of the retry carries just that page.
        source.Heal(88);
        var second = await harness.Runner.RetryFailuresAsync(link, first.RunId);

        source.PagesRefetched.ShouldBe(4);
        second.Status.ShouldBe(RunStatus.Succeeded);
        second.Counts.Read.ShouldBe(50);
        var rootNow = await harness.RunViewAsync(root.RunId);
        rootNow.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(first.RunId)).Status.ShouldBe(RunStatus.Succeeded);
        (await harness.RunViewAsync(second.RunId)).RootRunId.ShouldBe(root.RunId);
        (await harness.Store.ListChildRunsAsync(root.RunId, CancellationToken.None)).ShouldBe([first.RunId, second.RunId]);
        (await harness.HistoryAsync(root.RunId)).ShouldContain(e => e.Kind == RunEventKinds.ResolvedByChain && e.Message.StartsWith("Was Completed with errors", StringComparison.Ordinal));
        rootNow.Counts.Failed.ShouldBe(97, "the root's history keeps its original failure");
        // Every record is now written exactly once, and the chain's success moved the last successful sync.
        target.Written.Select(TestRecords.Id).Distinct().Count().ShouldBe(5000);
        (await harness.Store.GetWatermarkAsync(RecoveryHarness.LinkId, CancellationToken.None)).ShouldBe("2026-01-01T00:01:40Z");
    }

    [Fact]
    public async Task Watermark_DoesNotMoveAfterASingleRecordError_AndMovesAfterACleanRun()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var source = ListSource.Paged(2, 10).WithWatermark(1, "w1").WithWatermark(2, "w2");
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) == 3, RecoveryHarness.PhoneTooLong);
        var link = RecoveryHarness.Link(source, target);

        (await harness.RunAsync(link)).Run.Status.ShouldBe(RunStatus.CompletedWithErrors);
        (await harness.Store.GetWatermarkAsync(RecoveryHarness.LinkId, CancellationToken.None)).ShouldBeNull();

        target.Fix();
        (await harness.RunAsync(link)).Run.Status.ShouldBe(RunStatus.Succeeded);
        (await harness.Store.GetWatermarkAsync(RecoveryHarness.LinkId, CancellationToken.None)).ShouldBe("w2");
        source.Contexts.Last().Watermark.ShouldBeNull("the second run asked again for everything since the last successful sync");
    }

    [Fact]
    public async Task RetryFailures_WithLoggingLevelNone_SaysSingleRecordsCannotBeRetried_ButRetriesFailedBatches()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var source = ListSource.Paged(4, 10).FailPage(2, Timeout(2));
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) == 35, RecoveryHarness.PhoneTooLong);
        var link = RecoveryHarness.Link(source, target, new LinkSettings { BatchSize = 10, Parallelism = 1, LoggingLevel = LoggingLevel.None });
        var root = (await harness.RunAsync(link)).Run;

        var plan = await harness.Runner.PlanRetryAsync(root.RunId);
        plan.FailedBatches.Count.ShouldBe(1);
        plan.NotRetriable.ShouldBe(1);
        plan.CarriesAllFailures.ShouldBeFalse();
        plan.Limitation!.ShouldContain("no snapshot was kept (logging level None)");

        source.Heal(2);
        target.Fix();
        var retry = await harness.Runner.RetryFailuresAsync(link, root.RunId);
        retry.Status.ShouldBe(RunStatus.Succeeded);
        retry.Counts.Read.ShouldBe(10);
        (await harness.RunViewAsync(root.RunId)).Status.ShouldBe(RunStatus.CompletedWithErrors, "the record without a snapshot was not retried");
    }

    [Fact]
    public async Task RetryFailures_OfARunWithoutFailures_SaysThereIsNothingToRetry()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var link = RecoveryHarness.Link(ListSource.Paged(1, 5), new CollectingTarget());
        var root = (await harness.RunAsync(link)).Run;

        var refused = await Should.ThrowAsync<NothingToRetryException>(() => harness.Runner.RetryFailuresAsync(link, root.RunId));
        refused.Message.ShouldContain("has no failures to retry");
    }

    [Fact]
    public async Task RetryFailures_OfARunWhoseChainResolved_IsRefusedNamingTheRunThatResolvedIt_UnlessForced()
    {
        // Regression: retrying a resolved root fetched its failed pages again and rewrote their records.
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) is 15 or 35, RecoveryHarness.PhoneTooLong);
        var link = RecoveryHarness.Link(ListSource.Paged(4, 10), target, new LinkSettings { BatchSize = 10, Parallelism = 1 });
        var root = (await harness.RunAsync(link)).Run;
        var failedRetry = await harness.Runner.RetryFailuresAsync(link, root.RunId);
        failedRetry.Status.ShouldBe(RunStatus.CompletedWithErrors, "the target still refuses them");
        target.Fix();
        var resolving = await harness.Runner.RetryFailuresAsync(link, failedRetry.RunId);
        resolving.Status.ShouldBe(RunStatus.Succeeded);
        var written = target.Written.Count;

        var refused = await Should.ThrowAsync<AlreadyResolvedException>(() => harness.Runner.RetryFailuresAsync(link, root.RunId));

        refused.ResolvedByRunId.ShouldBe(resolving.RunId);
        refused.Message.ShouldContain($"run {resolving.RunId} resolved every failure");
        (await Should.ThrowAsync<AlreadyResolvedException>(() => harness.Runner.RetryFailuresAsync(link, failedRetry.RunId))).ResolvedByRunId.ShouldBe(resolving.RunId);
        target.Written.Count.ShouldBe(written, "nothing is written twice");
        (await harness.RunViewAsync(root.RunId)).ResolvedByRunId.ShouldBe(resolving.RunId);

        var forced = await harness.Runner.RetryFailuresAsync(link, root.RunId, force: true);
        forced.Status.ShouldBe(RunStatus.Succeeded);
        target.Written.Count.ShouldBe(written + 2, "forced: both records again");
    }

    [Fact]
    public async Task ResolvedRun_History_NamesTheRunThatResolvedIt_NotTheFailedRetryInBetween()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) == 12, RecoveryHarness.PhoneTooLong);
        var link = RecoveryHarness.Link(ListSource.Paged(3, 10), target, new LinkSettings { BatchSize = 10, Parallelism = 1 });
        var root = (await harness.RunAsync(link)).Run;
        var failedRetry = await harness.Runner.RetryFailuresAsync(link, root.RunId);
        failedRetry.Status.ShouldBe(RunStatus.CompletedWithErrors);
        target.Fix();
        var resolving = await harness.Runner.RetryFailuresAsync(link, failedRetry.RunId);

        var resolved = (await harness.HistoryAsync(root.RunId)).Single(e => e.Kind == RunEventKinds.ResolvedByChain);

        resolved.Message.ShouldBe($"Was Completed with errors; now Succeeded: retry run {resolving.RunId} resolved every failure.");
        resolved.Message.ShouldNotContain($"run {failedRetry.RunId}");
    }

    [Fact]
    public async Task RetryErrorGroup_CarriesOnlyThatGroupsRecords()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var duplicate = new ErrorClassification(ErrorType.DuplicateData, Durability.Durable, "23505", "email exists", null, ["email"]);
        var target = new CollectingTarget()
            .Refuse(r => TestRecords.Id(r) % 10 == 1, RecoveryHarness.PhoneTooLong)
            .Refuse(r => TestRecords.Id(r) % 10 == 2, duplicate);
        var link = RecoveryHarness.Link(ListSource.Paged(2, 50), target);
        var root = (await harness.RunAsync(link)).Run;
        var groups = await harness.Store.ListErrorGroupsAsync(root.RunId, CancellationToken.None);
        groups.Count.ShouldBe(2);

        target.Fix();
        var retry = await harness.Runner.RetryFailuresAsync(link, root.RunId, new ErrorGroupKey(ErrorType.Data, "23514", "target", ["phone"]));

        retry.Status.ShouldBe(RunStatus.Succeeded);
        retry.Counts.Read.ShouldBe(10);
        (await harness.RunViewAsync(retry.RunId)).CarriesAllFailures.ShouldBeFalse();
        (await harness.RunViewAsync(root.RunId)).Status.ShouldBe(RunStatus.CompletedWithErrors, "the other group still fails");
    }

    [Fact]
    public async Task StaleProtection_WritesTheSourcesCurrentVersion_AndIgnoresRecordsThatNoLongerExist()
    {
        await using var harness = await RecoveryHarness.StartAsync();
        var current = new Dictionary<string, Record> { ["c2"] = TestRecords.Contact(2, "changed-at-source@example.com") };
        var source = new KeyedListSource(ListSource.Paged(1, 3), current);
        var target = new CollectingTarget().Refuse(r => TestRecords.Id(r) is 2 or 3, RecoveryHarness.PhoneTooLong);
        var link = RecoveryHarness.Link(source, target);
        var root = (await harness.RunAsync(link)).Run;

        target.Fix();
        var retry = await harness.Runner.RetryFailuresAsync(link, root.RunId);

        target.Written.Last()["email"].ShouldBe("changed-at-source@example.com");
        retry.Counts.Ignored.ShouldBe(1);
        var ignored = (await harness.Store.ListRecordsAsync(retry.RunId, new RecordFilter(Records.OutcomeKind.Ignored), CancellationToken.None)).ShouldHaveSingleItem();
        ignored.Key.ShouldBe("c3");
        ignored.IgnoreReason!.ShouldStartWith("stale:");
    }

    /// <summary>A source that also fetches a record's current version by key.</summary>
    private sealed class KeyedListSource(ListSource pages, IReadOnlyDictionary<string, Record> current) : Sdk.ISource, Sdk.IKeyedSource
    {
        public IAsyncEnumerable<Sdk.SourcePage> ReadAsync(Sdk.SourceContext context, CancellationToken cancellationToken) => pages.ReadAsync(context, cancellationToken);

        public Task<Sdk.SourcePage> FetchPageAsync(string cursor, Sdk.SourceContext context, CancellationToken cancellationToken) => pages.FetchPageAsync(cursor, context, cancellationToken);

        public Task<Record?> FetchByKeyAsync(string key, Sdk.SourceContext context, CancellationToken cancellationToken) => Task.FromResult(current.GetValueOrDefault(key));
    }
}
