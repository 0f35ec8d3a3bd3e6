using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Compliance;

/// <summary>
/// What every state store must do beyond runs: recovery (link definitions and health, run chains, incomplete runs, edited
/// records) and the rules the stores repeat in SQL, pinned to the core's definition of them. Through <see cref="IStateStore"/> only.
/// </summary>
public abstract class StateStoreCompliance<TStore> : RunStoreCompliance<TStore>
    where TStore : class, IStateStore
{
    [Fact]
    public async Task WriteProblem_OfAStoreInUse_IsNone() =>
        (await Store.WriteProblemAsync(CancellationToken.None)).ShouldBeNull();

    [Fact]
    public async Task RetriableFailedRecords_AreExactlyThoseTheCoreRuleCallsRetriable()
    {
        var runId = await StartRunAsync();
        var snapshot = new Snapshot(new Dictionary<string, object?> { ["name"] = "ann" }, null);
        ResyncError Error(string? step) => new(ErrorScope.Record, ErrorType.Data, Durability.Durable, "REQUIRED", "email is required", step, [], null, T0, 1);
        RecordOutcome Failed(int position, string? step, Snapshot? kept) => new(position, $"k{position}", OutcomeKind.Failed, Error(step), null, null, [], kept);
        RecordOutcome[] outcomes =
        [
            Failed(0, "validate", snapshot),
            Failed(1, "validate", null),   // no snapshot kept (logging level None)
            Failed(2, "source", snapshot), // the source could not read it
            Failed(3, null, snapshot),     // the target refused it
            Failed(4, "source", null),
            new(5, "k5", OutcomeKind.Incomplete, null, null, null, [], snapshot),
            new(6, "k6", OutcomeKind.Incomplete, null, null, null, [], null),
        ];
        await Store.BatchStartedAsync(runId, 1, "0", outcomes.Length, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.CompletedWithErrors, read: outcomes.Length, failed: 5, outcomes: outcomes), CancellationToken.None);
        await Store.RunFinishedAsync(runId, RunStatus.CompletedWithErrors, null, null, T0, CancellationToken.None);

        var kept = await Store.ListRecordsAsync(runId, new RecordFilter(null, 0, 100), CancellationToken.None);
        var expected = kept.Where(record => record.IsRetriable).Select(record => record.Position).ToList();
        var listed = await Store.ListRetriableFailedRecordsAsync(runId, null, null, 100, CancellationToken.None);
        var counts = await Store.CountFailedRecordsAsync(runId, null, CancellationToken.None);

        expected.ShouldBe([0, 3, 5], "the core's rule, on this data");
        listed.Select(record => record.Position).ShouldBe(expected);
        counts.Retriable.ShouldBe(expected.Count);
        counts.NotRetriable.ShouldBe(kept.Count - expected.Count);
        counts.RetriableDurable.ShouldBe(2, "the failed ones' errors are durable; the incomplete one has none");
    }

    /// <summary>
    /// A second store on the same database, initialised, after the database is put back as it was before the store kept each
    /// failed record's retry answers (the columns and their index gone, their migration not applied): it migrates again.
    /// The store under test is not used after this.
    /// </summary>
    protected abstract Task<TStore> ReopenWithoutRetryAnswersAsync();

    /// <summary>
    /// Closes the store under test, runs <paramref name="sql"/> on its database on a connection of its own, and returns a
    /// second store on the same database, not initialised.
    /// </summary>
    protected abstract Task<TStore> SecondStoreAfterAsync(string sql);

    [Fact]
    public async Task Store_MigratedByANewerResync_IsRefusedAsItStarts_NamingTheVersions()
    {
        // As a newer Resync leaves it: a run store script this one does not know, applied.
        await using var older = await SecondStoreAfterAsync("INSERT INTO schema_migrations (version, applied_at) VALUES (99, '2030-01-01T00:00:00.0000000Z')");

        var refused = await Should.ThrowAsync<ResyncException>(() => older.InitializeAsync(CancellationToken.None));

        refused.Classification.Code.ShouldBe(ErrorCodes.StateSchemaNewer);
        refused.Message.ShouldContain("was migrated by a newer Resync: it holds run store schema version 99");
        refused.Classification.Hint.ShouldNotBeNull().ShouldContain("same version");
    }

    [Fact]
    public async Task RetryAnswers_OfFailuresKeptBeforeTheStoreKeptThem_AreWorkedOutByItsMigration_AsTheCoreRuleSays()
    {
        var runId = await StartRunAsync();
        var snapshot = new Snapshot(new Dictionary<string, object?> { ["name"] = "ann" }, null);
        ResyncError Error(string? step, Durability durability) =>
            new(ErrorScope.Record, ErrorType.Data, durability, "REQUIRED", "email is required", step, [], null, T0, 1);
        RecordOutcome Failed(int position, string? step, Snapshot? kept, Durability durability = Durability.Durable) =>
            new(position, $"k{position}", OutcomeKind.Failed, Error(step, durability), null, null, [], kept);
        RecordOutcome[] outcomes =
        [
            Failed(0, "validate", snapshot),
            Failed(1, "validate", null),
            Failed(2, "source", snapshot),
            Failed(3, null, snapshot, Durability.Ephemeral),
            new(4, "k4", OutcomeKind.Incomplete, null, null, null, [], snapshot),
            new(5, "k5", OutcomeKind.Ignored, null, "filter", "archived", [], snapshot),
            Failed(6, null, snapshot),
        ];
        await Store.BatchStartedAsync(runId, 1, "0", outcomes.Length, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.CompletedWithErrors, read: outcomes.Length, failed: 5, ignored: 1, outcomes: outcomes),
            CancellationToken.None);
        await Store.RunFinishedAsync(runId, RunStatus.CompletedWithErrors, null, null, T0, CancellationToken.None);
        var counts = await Store.CountFailedRecordsAsync(runId, null, CancellationToken.None);
        var listed = await Store.ListRetriableFailedRecordsAsync(runId, null, null, 100, CancellationToken.None);

        await using var reopened = await ReopenWithoutRetryAnswersAsync();

        counts.ShouldBe(new FailedRecordCounts(Retriable: 4, NotRetriable: 2, OutsideGroup: 0, RetriableDurable: 2));
        listed.Select(record => (record.Position, record.Durable)).ShouldBe([(0, true), (3, false), (4, false), (6, true)]);
        (await reopened.CountFailedRecordsAsync(runId, null, CancellationToken.None)).ShouldBe(counts);
        (await reopened.ListRetriableFailedRecordsAsync(runId, null, null, 100, CancellationToken.None)).ShouldBe(listed);
    }

    [Fact]
    public async Task RetriableFailedRecords_InABatchFetchedAgainWhole_AreLeftToTheirBatch_AsTheCoreRuleSays()
    {
        var runId = await StartRunAsync();
        var snapshot = new Snapshot(new Dictionary<string, object?> { ["name"] = "ann" }, null);
        BatchStatus[] statuses = [BatchStatus.Succeeded, BatchStatus.CompletedWithErrors, BatchStatus.Failed, BatchStatus.Interrupted];
        for (var number = 1; number <= statuses.Length; number++)
        {
            RecordOutcome failed = new(0, $"k{number}", OutcomeKind.Failed, DataError("REQUIRED", "email is required", "validate", "email"), null, null, [], snapshot);
            await Store.BatchStartedAsync(runId, number, $"{number}", 1, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, number, $"{number}", statuses[number - 1], read: 1, failed: 1, outcomes: [failed]), CancellationToken.None);
        }

        var expected = Enumerable.Range(1, statuses.Length).Where(number => !statuses[number - 1].IsFetchedAgainWhole()).ToList();
        var listed = await Store.ListRetriableFailedRecordsAsync(runId, null, null, 100, CancellationToken.None);
        var counts = await Store.CountFailedRecordsAsync(runId, null, CancellationToken.None);

        expected.ShouldBe([1, 2], "the core's rule, on this data");
        listed.Select(record => record.BatchNumber).ShouldBe(expected);
        counts.Retriable.ShouldBe(expected.Count);
    }

    [Fact]
    public async Task RetriableFailedRecords_InAGroup_LeaveTheOthersOutsideIt()
    {
        var runId = await StartRunAsync();
        var snapshot = new Snapshot(new Dictionary<string, object?> { ["name"] = "ann" }, null);
        var required = DataError("REQUIRED", "email is required", "validate", "email");
        var tooLong = DataError("STRING_TOO_LONG", "name is too long", "validate", "name");
        RecordOutcome[] outcomes =
        [
            new(0, "k0", OutcomeKind.Failed, required, null, null, [], snapshot),
            new(1, "k1", OutcomeKind.Failed, tooLong, null, null, [], snapshot),
            new(2, "k2", OutcomeKind.Incomplete, null, null, null, [], snapshot),
            new(3, "k3", OutcomeKind.Failed, required, null, null, [], snapshot),
        ];
        await Store.BatchStartedAsync(runId, 1, "0", 4, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.CompletedWithErrors, read: 4, failed: 3, outcomes: outcomes), CancellationToken.None);
        var group = new ErrorGroupKey(ErrorType.Data, "REQUIRED", "validate", ["email"]);

        var counts = await Store.CountFailedRecordsAsync(runId, group, CancellationToken.None);
        var listed = await Store.ListRetriableFailedRecordsAsync(runId, group, null, 100, CancellationToken.None);
        var after = await Store.ListRetriableFailedRecordsAsync(runId, group, (1, 0), 100, CancellationToken.None);

        counts.ShouldBe(new FailedRecordCounts(2, 0, 2, 2));
        listed.Select(record => record.Position).ShouldBe([0, 3]);
        listed[0].BeforeJson.ShouldBe("""{"name":"ann"}""");
        listed[0].Durable.ShouldBeTrue();
        after.Select(record => record.Position).ShouldBe([3], "keyset paging goes on after the last one seen");
    }

    [Fact]
    public async Task ErrorGroups_AreExactlyTheGroupsOfTheCoreKey()
    {
        var runId = await StartRunAsync();
        var snapshot = new Snapshot(new Dictionary<string, object?> { ["name"] = "ann" }, null);
        ResyncError[] errors =
        [
            DataError("REQUIRED", "email is required", "validate", "email"),
            DataError("REQUIRED", "email is required", "validate", "email"),
            DataError("REQUIRED", "phone is required", "validate", "phone"),       // other fields
            DataError("REQUIRED", "both are required", "validate", "email", "phone"),
            DataError("REQUIRED", "both are required", "validate", "phone", "email"), // the same fields in another order
            DataError("REQUIRED", "email is required", "check", "email"),          // another step
            DataError("PATTERN_MISMATCH", "email is not an email", "validate", "email"), // another code
            new(ErrorScope.Record, ErrorType.DuplicateData, Durability.Durable, "REQUIRED", "dup", "validate", ["email"], null, T0, 1), // another type
            new(ErrorScope.Record, ErrorType.Data, Durability.Durable, "23502", "null value", null, ["email"], null, T0, 1), // no step (the target)
        ];
        var outcomes = errors.Select((error, i) => new RecordOutcome(i, $"k{i}", OutcomeKind.Failed, error, null, null, [], snapshot)).ToArray();
        await Store.BatchStartedAsync(runId, 1, "0", outcomes.Length, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.CompletedWithErrors, read: outcomes.Length, failed: outcomes.Length, outcomes: outcomes),
            CancellationToken.None);

        var groups = await Store.ListErrorGroupsAsync(runId, CancellationToken.None);
        var failed = (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, 0, 100), CancellationToken.None)).Select(r => r.Error!).ToList();

        groups.Count.ShouldBe(8, "the core key tells these errors apart but for the one repeated");
        groups.Sum(g => g.Count).ShouldBe(failed.Count);
        foreach (var group in groups)
        {
            var key = ErrorGroupKey.Of(group);
            group.Count.ShouldBe(failed.Count(key.Matches), $"group {group.Code} at {group.Step} [{string.Join(", ", group.Fields)}]");
            groups.Count(key.Matches).ShouldBe(1);
            var counts = await Store.CountFailedRecordsAsync(runId, key, CancellationToken.None);
            (counts.Retriable + counts.NotRetriable).ShouldBe(group.Count, "a retry of the group takes exactly its records");
            counts.OutsideGroup.ShouldBe(failed.Count - group.Count);
        }
    }

    [Fact]
    public async Task RetriableFailedRecords_OfFailedBatches_AreLeftToTheBatchRetry()
    {
        var runId = await StartRunAsync();
        var snapshot = new Snapshot(new Dictionary<string, object?> { ["name"] = "ann" }, null);
        await Store.BatchStartedAsync(runId, 1, "0", 1, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.Failed, read: 1, error: BatchError("TIMEOUT", "target timed out", "target"),
            outcomes: [new(0, "k0", OutcomeKind.Failed, DataError("REQUIRED", "email is required", "validate"), null, null, [], snapshot)]), CancellationToken.None);

        (await Store.CountFailedRecordsAsync(runId, null, CancellationToken.None)).ShouldBe(new FailedRecordCounts(0, 0, 0, 0));
        (await Store.ListRetriableFailedRecordsAsync(runId, null, null, 100, CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task KeepInterruptedRecords_GivesACutBatchItsValues_OnceAndOnlyForAnInterruptedBatch()
    {
        var runId = await StartRunAsync();
        await Store.BatchStartedAsync(runId, 1, "0", 2, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(new BatchResult(runId, 1, "0", BatchStatus.Succeeded, 2, 2, 0, 0, 0, null, [], T0), CancellationToken.None);
        await Store.BatchStartedAsync(runId, 2, "2", 2, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(new BatchResult(runId, 2, "2", BatchStatus.Interrupted, 2, 0, 0, 0, 0, null, [], T0), CancellationToken.None);
        static RecordOutcome Held(int position, string name) =>
            new(position, $"k{position}", OutcomeKind.Incomplete, null, null, null, [], new Snapshot(new Dictionary<string, object?> { ["name"] = name }, null));

        await Store.KeepInterruptedRecordsAsync(runId, 2, [Held(0, "ann"), Held(1, "bob")], CancellationToken.None);
        await Store.KeepInterruptedRecordsAsync(runId, 2, [Held(0, "changed")], CancellationToken.None);

        var kept = await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Incomplete, 0, 10), CancellationToken.None);
        kept.Select(r => (r.BatchNumber, r.Position, r.BeforeJson)).ShouldBe([(2, 0, """{"name":"ann"}"""), (2, 1, """{"name":"bob"}""")]);
        (await CountsAsync(runId)).ShouldBe(new RunCounts(4, 2, 0, 0, 2, 0, 2, 0), "keeping values counts nothing again");
        await Should.ThrowAsync<InvalidOperationException>(() => Store.KeepInterruptedRecordsAsync(runId, 1, [Held(0, "x")], CancellationToken.None));
    }

    [Fact]
    public async Task ListIncomplete_ByRun_ListsOnlyThatRunsIncompleteRuns()
    {
        var first = await StartRunAsync();
        var second = await StartRunAsync();
        var error = new ResyncError(ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, "CONNECTION_REFUSED", "down", "target", [], null, T0, 1);
        foreach (var runId in new[] { first, second })
            await Store.ParkAsync(new IncompleteRunView(0, runId, Name("orders"), Name("acme"), IncompleteStatus.Waiting, error, null, 0, null, T0, null, null, 0), CancellationToken.None);

        var listed = await Store.ListIncompleteAsync(new IncompleteFilter(RunId: second), CancellationToken.None);

        listed.ShouldHaveSingleItem().RunId.ShouldBe(second);
    }

    [Fact]
    public async Task CountOpenIncomplete_CountsScheduledAndWaitingPerLink_NotClosedOnes()
    {
        var error = new ResyncError(ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, "CONNECTION_REFUSED", "down", "target", [], null, T0, 1);
        async Task<long> ParkAsync(string link, IncompleteStatus status)
        {
            await Store.EnsureLinkAsync(Name(link), Name("acme"), CancellationToken.None);
            var runId = await Store.CreateRunAsync(NewRun(Name(link), Name("acme")), CancellationToken.None);
            return await Store.ParkAsync(new IncompleteRunView(0, runId, Name(link), Name("acme"), status, error, null, 0, null, T0, null, null, 0), CancellationToken.None);
        }
        await ParkAsync("orders", IncompleteStatus.Scheduled);
        await ParkAsync("orders", IncompleteStatus.Waiting);
        await ParkAsync("users", IncompleteStatus.Waiting);
        var discarded = await ParkAsync("users", IncompleteStatus.Waiting);
        await Store.UpdateIncompleteAsync(discarded, IncompleteStatus.Discarded, 0, null, null, "no longer needed", CancellationToken.None);

        var counts = (await Store.CountOpenIncompleteAsync(CancellationToken.None)).Where(c => c.Tenant == Name("acme")).ToList();

        counts.ShouldBe([new IncompleteCount(Name("orders"), Name("acme"), 2), new IncompleteCount(Name("users"), Name("acme"), 1)], ignoreOrder: true);
    }

    [Fact]
    public async Task OpenIncomplete_ListedAndCounted_AreExactlyThoseTheCoreRuleCallsNotClosed()
    {
        var (link, tenant) = (Name("orders"), Name("acme"));
        var error = new ResyncError(ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, "CONNECTION_REFUSED", "down", "target", [], null, T0, 1);
        await Store.EnsureLinkAsync(link, tenant, CancellationToken.None);
        var ids = new Dictionary<IncompleteStatus, long>();
        foreach (var status in Enum.GetValues<IncompleteStatus>())
        {
            var runId = await Store.CreateRunAsync(NewRun(link, tenant), CancellationToken.None);
            ids[status] = await Store.ParkAsync(new IncompleteRunView(0, runId, link, tenant, status.IsClosed() ? IncompleteStatus.Waiting : status, error, null, 0, null,
                T0, null, null, 0), CancellationToken.None);
            if (status.IsClosed())
                await Store.UpdateIncompleteAsync(ids[status], status, 0, null, null, "closed", CancellationToken.None);
        }
        var expected = ids.Where(pair => !pair.Key.IsClosed()).Select(pair => pair.Value).Order().ToList();

        var listed = await Store.ListIncompleteAsync(new IncompleteFilter(Tenant: tenant), CancellationToken.None);
        var counted = (await Store.CountOpenIncompleteAsync(CancellationToken.None)).Single(count => count.Tenant == tenant);

        expected.Count.ShouldBe(2, "the core's rule, on every status");
        listed.Select(incomplete => incomplete.Id).Order().ShouldBe(expected);
        counted.Open.ShouldBe(expected.Count);
    }

    [Fact]
    public async Task Incomplete_ParkedEditedAndResolved_KeepsItsHistory_AndResolvingIsFinal()
    {
        var runId = await StartRunAsync();
        var error = new ResyncError(ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, "CONNECTION_REFUSED", "down", "target", [], null, T0, 1);
        var id = await Store.ParkAsync(new IncompleteRunView(0, runId, Name("orders"), Name("acme"), IncompleteStatus.Scheduled, error, "page=3", 1, T0.AddMinutes(5),
            T0, null, null, 0), CancellationToken.None);

        (await Store.ListIncompleteAsync(new IncompleteFilter(Tenant: Name("acme"), DueBy: T0.AddMinutes(4)), CancellationToken.None)).ShouldBeEmpty();
        (await Store.ListIncompleteAsync(new IncompleteFilter(Tenant: Name("acme"), DueBy: T0.AddMinutes(5)), CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe(id);
        await Store.EditIncompleteRecordAsync(id, 3, 1, new Dictionary<string, object?> { ["email"] = "ann@example.com" }, T0, CancellationToken.None);
        await Store.EditIncompleteRecordAsync(id, 3, 1, new Dictionary<string, object?> { ["email"] = "ann@example.org" }, T0, CancellationToken.None);
        var resume = await StartRunAsync();
        await Store.UpdateIncompleteAsync(id, IncompleteStatus.Resolved, 2, null, resume, "done", CancellationToken.None);

        var incomplete = (await Store.GetIncompleteAsync(id, CancellationToken.None)).ShouldNotBeNull();
        incomplete.ShouldSatisfyAllConditions(
            i => i.Status.ShouldBe(IncompleteStatus.Resolved),
            i => i.ResumeCursor.ShouldBe("page=3"),
            i => i.Attempts.ShouldBe(2),
            i => i.ResolvedByRunId.ShouldBe(resume),
            i => i.Note.ShouldBe("done"),
            i => i.EditedRecords.ShouldBe(1),
            i => i.Error.Code.ShouldBe("CONNECTION_REFUSED"));
        (await Store.GetIncompleteEditsAsync(id, CancellationToken.None)).ShouldBe(new Dictionary<(int, int), string> { [(3, 1)] = """{"email":"ann@example.org"}""" });
        (await Store.ListRunEventsAsync(runId, CancellationToken.None)).Select(e => e.Kind).ShouldBe([RunEventKinds.Parked, RunEventKinds.Resumed]);
        await Should.ThrowAsync<InvalidTransitionException>(() => Store.UpdateIncompleteAsync(id, IncompleteStatus.Waiting, 3, null, null, null, CancellationToken.None));
        await Should.ThrowAsync<KeyNotFoundException>(() => Store.UpdateIncompleteAsync(987_654_321, IncompleteStatus.Waiting, 0, null, null, null, CancellationToken.None));
    }

    [Fact]
    public async Task EditFailedRecord_LatestEditWins()
    {
        var runId = await StartRunAsync();

        await Store.EditFailedRecordAsync(runId, 1, 4, new Dictionary<string, object?> { ["email"] = "a@example.com" }, T0, CancellationToken.None);
        await Store.EditFailedRecordAsync(runId, 1, 4, new Dictionary<string, object?> { ["email"] = "b@example.com" }, T0, CancellationToken.None);
        await Store.EditFailedRecordAsync(runId, 2, 0, new Dictionary<string, object?> { ["n"] = 3 }, T0, CancellationToken.None);

        (await Store.GetRecordEditsAsync(runId, CancellationToken.None)).ShouldBe(new Dictionary<(int, int), string>
        {
            [(1, 4)] = """{"email":"b@example.com"}""",
            [(2, 0)] = """{"n":3}""",
        });
    }

    [Fact]
    public async Task LinkDefinitionAndHealth_AreKept_AndListedByTenant()
    {
        var link = Name("orders");
        await Store.SaveLinkDefinitionAsync(link, Name("acme"), new LinkDefinition("id: orders", "/links/orders.yaml", "/links"), CancellationToken.None);
        await Store.SaveLinkDefinitionAsync(Name("other"), Name("globex"), new LinkDefinition("id: other", "", "."), CancellationToken.None);
        var health = new LinkHealth(LinkState.Deactivated, "target down", 3, 2, T0.AddMinutes(10));

        await Store.UpdateLinkHealthAsync(link, Name("acme"), health, CancellationToken.None);
        var runId = await StartRunAsync();

        var view = (await Store.GetLinkAsync(link, CancellationToken.None)).ShouldNotBeNull();
        view.Tenant.ShouldBe(Name("acme"));
        view.Health.ShouldBe(health);
        view.LastRunId.ShouldBe(runId);
        view.Definition.ShouldBe(new LinkDefinition("id: orders", "/links/orders.yaml", "/links"));
        (await Store.ListLinksAsync(Name("acme"), CancellationToken.None)).Select(l => l.Id).ShouldBe([link]);
        (await Store.GetLinkAsync(Name("missing"), CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task ResolveChain_RetryThatSucceeds_ResolvesItsAncestors_AndMovesTheWatermarkToTheRoots()
    {
        var link = Name("orders");
        var root = await StartRunAsync();
        await Store.SetPendingWatermarkAsync(root, "2026-11-22", CancellationToken.None);
        await Store.RunFinishedAsync(root, RunStatus.CompletedWithErrors, null, null, T0, CancellationToken.None);
        var retry = await Store.CreateRunAsync(new NewRun(link, Name("acme"), RunKind.Retry, "cli", root, null, RunOwner.Current, T0), CancellationToken.None);
        await Store.RunFinishedAsync(retry, RunStatus.Succeeded, null, null, T0, CancellationToken.None);

        var resolved = await Store.ResolveChainAsync(retry, T0.AddHours(1), CancellationToken.None);

        resolved.ShouldBe([root]);
        var rootView = (await Store.GetRunAsync(root, CancellationToken.None)).ShouldNotBeNull();
        rootView.Status.ShouldBe(RunStatus.Succeeded);
        rootView.ResolvedByRunId.ShouldBe(retry);
        (await Store.GetRunAsync(retry, CancellationToken.None)).ShouldNotBeNull().RootRunId.ShouldBe(root);
        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22");
        (await Store.ListChildRunsAsync(root, CancellationToken.None)).ShouldBe([retry]);
        (await Store.ListRunEventsAsync(root, CancellationToken.None)).ShouldHaveSingleItem().Kind.ShouldBe(RunEventKinds.ResolvedByChain);
        (await Store.ResolveChainAsync(retry, T0.AddHours(2), CancellationToken.None)).ShouldBeEmpty("resolving again changes nothing");
    }

    [Fact]
    public async Task SetPendingWatermark_LowerThanKept_IsIgnored()
    {
        var link = Name("orders");
        var root = await StartRunAsync();
        await Store.SetPendingWatermarkAsync(root, "2026-11-22", CancellationToken.None);
        await Store.SetPendingWatermarkAsync(root, "2026-11-20", CancellationToken.None);
        await Store.RunFinishedAsync(root, RunStatus.CompletedWithErrors, null, null, T0, CancellationToken.None);
        var retry = await Store.CreateRunAsync(new NewRun(link, Name("acme"), RunKind.Retry, "cli", root, null, RunOwner.Current, T0), CancellationToken.None);
        await Store.RunFinishedAsync(retry, RunStatus.Succeeded, null, null, T0, CancellationToken.None);

        await Store.ResolveChainAsync(retry, T0.AddHours(1), CancellationToken.None);

        (await Store.GetWatermarkAsync(link, CancellationToken.None)).ShouldBe("2026-11-22", "the chain keeps the highest watermark it read");
    }

    [Fact]
    public async Task BatchFinished_FromManyTasksAtOnce_AllLand()
    {
        const int batches = 100;
        var runId = await StartRunAsync();

        await Task.WhenAll(Enumerable.Range(1, batches).Select(number => Task.Run(async () =>
        {
            await Store.BatchStartedAsync(runId, number, $"page={number}", 10, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, number, $"page={number}", BatchStatus.CompletedWithErrors, read: 10, succeeded: 8, failed: 1, ignored: 1,
                warnings: 2, outcomes: [FailedOutcome(3, $"k{number}", DataError("REQUIRED", "email is required", "validate", "email")), IgnoredOutcome(7, null, "filter", "inactive")]),
                CancellationToken.None);
        })));

        var counts = await CountsAsync(runId);
        counts.ShouldBe(new RunCounts(batches * 10, batches * 8, batches, batches, 0, batches * 2, batches, 0));
        counts.IsBalanced.ShouldBeTrue();
        (await Store.ListBatchesAsync(runId, 0, 1000, CancellationToken.None)).Count.ShouldBe(batches);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, Limit: 1000), CancellationToken.None)).Count.ShouldBe(batches);
        (await Store.ListErrorGroupsAsync(runId, CancellationToken.None)).ShouldHaveSingleItem().Count.ShouldBe(batches);
    }

    [Fact]
    public async Task BatchFinished_DeliveredTwiceAtOnce_IsCountedOnce()
    {
        var runId = await StartRunAsync();
        await Store.BatchStartedAsync(runId, 1, "0", 5, T0, CancellationToken.None);

        // Two workers finishing the same batch together (a redelivery racing the first delivery).
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
            Store.BatchFinishedAsync(Result(runId, 1, "0", BatchStatus.Succeeded, read: 5, succeeded: 5), CancellationToken.None))));

        (await CountsAsync(runId)).ShouldBe(new RunCounts(5, 5, 0, 0, 0, 0, 1, 0));
    }
}
