using Microsoft.Data.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Storage.Compliance;
using Shouldly;
using Xunit;

namespace Resync.Storage.Sqlite.Tests;

/// <summary>The compliance suites on a real SQLite file, plus what is particular to SQLite.</summary>
public sealed class SqliteRunStoreTests : StateStoreCompliance<SqliteRunStore>
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "resync-tests", Guid.NewGuid().ToString("N"));

    private string StatePath => Path.Combine(_folder, "state.db");

    protected override Task<SqliteRunStore> CreateStoreAsync() => Task.FromResult(new SqliteRunStore(StatePath));

    protected override Task<SqliteRunStore> ReopenWithoutRetryAnswersAsync() => ReopenAfterAsync(command =>
    {
        command.CommandText = ForgetRetryAnswers;
        command.ExecuteNonQuery();
    });

    protected override async Task<SqliteRunStore> SecondStoreAfterAsync(string sql)
    {
        await ChangeFileAsync(command =>
        {
            command.CommandText = sql;
            command.ExecuteNonQuery();
        });
        return new SqliteRunStore(StatePath);
    }

    /// <summary>Closes the store, changes its file with <paramref name="change"/> (on a connection of its own), then opens and initialises it again.</summary>
    private async Task<SqliteRunStore> ReopenAfterAsync(Action<SqliteCommand> change)
    {
        await ChangeFileAsync(change);
        var reopened = new SqliteRunStore(StatePath);
        await reopened.InitializeAsync(CancellationToken.None);
        return reopened;
    }

    private async Task ChangeFileAsync(Action<SqliteCommand> change)
    {
        await DisposeStoreAsync();
        using var connection = new SqliteConnection($"Data Source={StatePath};Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        change(command);
    }

    // The file as it was before migration 7.
    private const string ForgetRetryAnswers = """
        DROP INDEX record_outcomes_to_retry;
        ALTER TABLE record_outcomes DROP COLUMN retriable;
        ALTER TABLE record_outcomes DROP COLUMN durable;
        DELETE FROM schema_migrations WHERE version = 7;
        """;

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Initialize_OnFileThatIsNotSqlite_ThrowsNamingThePathWithHint()
    {
        var path = Path.Combine(_folder, "notes.db");
        var random = new Random(42);
        await File.WriteAllTextAsync(path, string.Concat(Enumerable.Range(0, 4096).Select(_ => (char)random.Next('a', 'z' + 1))));
        await using var store = new SqliteRunStore(path);

        var exception = await Should.ThrowAsync<ResyncException>(() => store.InitializeAsync(CancellationToken.None));

        exception.Message.ShouldContain(path);
        exception.Classification.Hint.ShouldNotBeNull().ShouldContain("not a SQLite database");
        exception.IsTransient.ShouldBeFalse();
        (await File.ReadAllTextAsync(path)).Length.ShouldBe(4096); // the file is left as it was
    }

    [Fact]
    public async Task Initialize_OnExistingFile_AppliesMigrationsOnce_AndKeepsState()
    {
        var runId = await StartRunAsync();
        await Store.RunFinishedAsync(runId, RunStatus.Succeeded, null, "w1", T0, CancellationToken.None);
        await DisposeStoreAsync();

        for (var reopen = 0; reopen < 2; reopen++)
        {
            await using var store = new SqliteRunStore(StatePath);
            await store.InitializeAsync(CancellationToken.None);
            (await store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Succeeded);
            (await store.GetWatermarkAsync(Name("orders"), CancellationToken.None)).ShouldBe("w1");
        }

        await using var connection = new SqliteConnection($"Data Source={StatePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT version), MAX(version) FROM schema_migrations";
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetInt64(0).ShouldBe(SqliteMigrations.All.Count);
        reader.GetInt64(1).ShouldBe(SqliteMigrations.All.Count);
        reader.GetInt64(2).ShouldBe(SqliteMigrations.All[^1].Version);
    }

    [Fact]
    public async Task FailingWrite_InGroupCommit_DoesNotUndoTheOthers()
    {
        var finished = await StartRunAsync();
        await Store.RunFinishedAsync(finished, RunStatus.Succeeded, null, null, T0, CancellationToken.None);
        var runId = await StartRunAsync();

        // Illegal finishes fail on their own while the batches queued with them in the same commits land.
        var illegal = Enumerable.Range(0, 20).Select(_ => Store.RunFinishedAsync(finished, RunStatus.Failed, null, null, T0, CancellationToken.None)).ToList();
        var writes = Enumerable.Range(1, 100).Select(async number =>
        {
            await Store.BatchStartedAsync(runId, number, null, 3, T0, CancellationToken.None);
            await Store.BatchFinishedAsync(Result(runId, number, null, BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);
        }).ToList();

        await Task.WhenAll(writes);
        foreach (var write in illegal)
            await Should.ThrowAsync<InvalidTransitionException>(() => write);
        (await CountsAsync(runId)).ShouldBe(new RunCounts(300, 300, 0, 0, 0, 0, 100, 0));
        (await Store.GetRunAsync(finished, CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(RunStatus.Succeeded);
    }

    [Fact]
    public async Task HeldBatchWrites_WaitForALaterCommit_UntilAskedFor_OrAWriteThatIsNotHeld_OrTheEndOfTheHold()
    {
        var (store, runId) = await HoldingAnHourAsync("held.db");
        await using var _ = store;

        // Held: neither committed nor seen by a reader, however long it waits, until it is asked for.
        var start = store.BatchStartedHeldAsync(runId, 1, "page=1", 3, null, T0, CancellationToken.None);
        await Task.Delay(300);
        start.IsCompleted.ShouldBeFalse();
        (await store.ListBatchesAsync(runId, 0, 10, CancellationToken.None)).ShouldBeEmpty();
        store.CommitHeldWrites();
        await start.WaitAsync(TimeSpan.FromSeconds(30));
        (await store.ListBatchesAsync(runId, 0, 10, CancellationToken.None)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Processing);

        // A write that is not held commits the held writes queued before it, in the same commit or an earlier one.
        var result = store.BatchFinishedHeldAsync(Result(runId, 1, "page=1", BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);
        await Task.Delay(100);
        result.IsCompleted.ShouldBeFalse();
        await store.BatchStartedAsync(runId, 2, "page=2", 3, T0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        result.IsCompletedSuccessfully.ShouldBeTrue();

        // Asked for when nothing is held, nothing happens; what is held later waits again.
        store.CommitHeldWrites();
        var later = store.BatchFinishedHeldAsync(Result(runId, 2, "page=2", BatchStatus.Succeeded, read: 3, succeeded: 3), CancellationToken.None);
        await Task.Delay(100);
        later.IsCompleted.ShouldBeFalse();
        store.CommitHeldWrites();
        await later.WaitAsync(TimeSpan.FromSeconds(30));
        (await store.GetRunAsync(runId, CancellationToken.None)).ShouldNotBeNull().Counts.Succeeded.ShouldBe(6);

        // With the default hold, a held write that nobody asks for commits on its own, soon.
        var unasked = Store.BatchStartedHeldAsync(await StartRunAsync(), 1, "page=1", 3, null, T0, CancellationToken.None);
        await unasked.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task HeldBatchWrites_AskedForWhenIdle_CommitAtOnce_ButNotWhileACommitIsUnderWay()
    {
        var (store, runId) = await HoldingAnHourAsync("idle.db");
        await using var _ = store;

        // A commit under way (a write that waits for the gate): a held start asked for when idle is not committed after it.
        using var gate = new SemaphoreSlim(0);
        var busy = store.Writer.ExecuteAsync((_, _) => gate.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None);
        await Task.Delay(100);
        var start = store.BatchStartedHeldAsync(runId, 1, "page=1", 3, null, T0, CancellationToken.None);
        store.CommitHeldWritesWhenIdle();
        gate.Release();
        (await busy.WaitAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        await Task.Delay(300);
        start.IsCompleted.ShouldBeFalse();

        // The writer idle, holding it: asked for when idle, it commits at once.
        store.CommitHeldWritesWhenIdle();
        await start.WaitAsync(TimeSpan.FromSeconds(30));
        (await store.ListBatchesAsync(runId, 0, 10, CancellationToken.None)).ShouldHaveSingleItem().Status.ShouldBe(BatchStatus.Processing);
    }

    /// <summary>A store of its own whose held writes wait an hour unless asked for, with a run started in it.</summary>
    private async Task<(SqliteRunStore Store, long RunId)> HoldingAnHourAsync(string file)
    {
        var store = new SqliteRunStore(Path.Combine(_folder, file)) { MaxHold = TimeSpan.FromHours(1) };
        await store.InitializeAsync(CancellationToken.None);
        await store.EnsureLinkAsync("orders", "acme", CancellationToken.None);
        return (store, await store.CreateRunAsync(NewRun("orders", "acme", T0, RunOwner.Current), CancellationToken.None));
    }

    [Fact]
    public async Task Store_UsedBeforeInitialize_SaysSo()
    {
        await using var store = new SqliteRunStore(Path.Combine(_folder, "other.db"));

        var exception = await Should.ThrowAsync<InvalidOperationException>(() => store.EnsureLinkAsync("l", "t", CancellationToken.None));
        exception.Message.ShouldContain("InitializeAsync");
    }

    [Fact]
    public async Task DiskFull_ABatchStart_FailsItsWholeCommitAndEveryLaterWrite_NamingTheFile()
    {
        var runId = await StartRunAsync();
        // SQLite answers SQLITE_FULL at its page limit exactly as at a full disk.
        await Store.Writer.ExecuteAsync((c, t) =>
        {
            using var limit = c.CreateCommand();
            limit.Transaction = t;
            limit.CommandText = "SELECT page_count FROM pragma_page_count()";
            var pages = (long)limit.ExecuteScalar()!;
            limit.CommandText = $"PRAGMA max_page_count = {pages + 2}";
            limit.ExecuteNonQuery();
            return 0;
        }, CancellationToken.None);

        var starts = Enumerable.Range(1, 400).Select(n => Store.BatchStartedAsync(runId, n, $"cursor-{n:D3}-{new string('x', 200)}", 10, T0, CancellationToken.None)).ToList();
        var full = await Should.ThrowAsync<ResyncException>(() => Task.WhenAll(starts));

        full.Classification.Code.ShouldBe("SQLITE_FULL");
        full.Message.ShouldContain(StatePath);
        full.Classification.Hint.ShouldNotBeNull().ShouldContain("The disk is full: free space");
        (await Should.ThrowAsync<ResyncException>(() => Store.RunFinishedAsync(runId, RunStatus.Failed, null, null, T0, CancellationToken.None)))
            .ShouldBeSameAs(full, "a write after the failure, even one that would fit, is refused: nothing is written after a gap");
        (await Store.WriteProblemAsync(CancellationToken.None)).ShouldBe(full.Message);

        // What the file holds is a prefix of the batches, as after a crash: no batch is missing before one that was stored.
        await using var reopened = new SqliteRunStore(StatePath);
        await reopened.InitializeAsync(CancellationToken.None);
        var stored = (await reopened.ListBatchesAsync(runId, 0, 1000, CancellationToken.None)).Select(b => b.Number).Order().ToList();
        stored.Count.ShouldBeLessThan(400);
        stored.ShouldBe(Enumerable.Range(1, stored.Count));
        (await reopened.GetRunAsync(runId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Running);
        Integrity().ShouldBe("ok");
    }

    [Fact]
    public async Task KeptStatement_ThatBreaksAConstraint_ThrowsSqlitesErrorAndRunsAgainAfter()
    {
        var (refused, stored) = await Store.Writer.ExecuteAsync((c, t) =>
        {
            using var create = c.CreateCommand();
            create.Transaction = t;
            create.CommandText = "CREATE TABLE kept (id INTEGER NOT NULL UNIQUE, name TEXT)";
            create.ExecuteNonQuery();
            var insert = Store.Writer.Statement("INSERT INTO kept (id, name) VALUES (?, ?)");
            insert.Bind(1).Bind("first").Execute();
            var refused = Should.Throw<SqliteException>(() => insert.Bind(1).Bind("again").Execute());
            // Reset after the failure: the same statement binds from its first value again and runs.
            insert.Bind(2).Bind(null).Execute();
            create.CommandText = "SELECT COUNT(*) || ':' || COALESCE(MAX(name), '') || ':' || SUM(name IS NULL) FROM kept";
            return (refused, (string)create.ExecuteScalar()!);
        }, CancellationToken.None);

        refused.SqliteErrorCode.ShouldBe(SqliteResultCodes.Constraint);
        refused.Message.ShouldContain("UNIQUE constraint failed: kept.id");
        stored.ShouldBe("2:first:1");
    }

    [Fact]
    public async Task FailedRecords_OfOverAKilobyteEach_TakeAboutTheirSizeInTheFile()
    {
        var runId = await StartRunAsync();
        await Store.BatchStartedAsync(runId, 1, null, 200, T0, CancellationToken.None);
        var pagesBefore = PageCount();
        var outcomes = Enumerable.Range(0, 200).Select(position =>
        {
            var before = new Dictionary<string, object?>
            {
                ["id"] = position, ["name"] = $"Customer {position:D7} of the test tenant", ["phone"] = $"+41 44 {position:D3} 12 34 ext. {position} (switchboard, ask for billing)",
                ["address"] = $"Bahnhofstrasse {position}, Building 2, Floor 1, 8001 Zurich, Switzerland; deliveries at the back door; ask at reception {position}",
                ["notes"] = string.Concat(Enumerable.Repeat($"Called {position} times about the invoice. ", 5)),
            };
            var error = DataError("22001", "value too long for type character varying(40)", "target", "phone");
            return new RecordOutcome(position, $"k{position}", OutcomeKind.Failed, error, null, null, [], new Snapshot(before, new Dictionary<string, object?>(before)));
        }).ToList();

        await Store.BatchFinishedAsync(Result(runId, 1, null, BatchStatus.Succeeded, read: 200, failed: 200, outcomes: outcomes), CancellationToken.None);

        // ~1.3 KB each (the error and two snapshots): 200 of them fill ~65 pages of 4 KB. Kept clustered on their key, any row
        // over ~1,000 bytes took an overflow page of its own besides (over 200 pages).
        (PageCount() - pagesBefore).ShouldBeLessThan(120);
        (await Store.ListRecordsAsync(runId, new RecordFilter(OutcomeKind.Failed, 0, 1000), CancellationToken.None)).Count.ShouldBe(200);
    }

    [Fact]
    public async Task Migration_OfAFileWhoseOutcomesAreClusteredOnTheirKey_KeepsEveryOutcome()
    {
        var runId = await StartRunAsync();
        await Store.BatchStartedAsync(runId, 1, null, 3, T0, CancellationToken.None);
        await Store.BatchFinishedAsync(Result(runId, 1, null, BatchStatus.Succeeded, read: 3, succeeded: 1, failed: 1, ignored: 1, outcomes:
        [
            FailedOutcome(0, "k0", DataError("REQUIRED", "email is required", "validate", "email")),
            IgnoredOutcome(2, "k2", "filter", "archived"),
        ]), CancellationToken.None);
        // The file as it was before migration 6: the same table, without rowids.
        await using var reopened = await ReopenAfterAsync(command =>
        {
            command.CommandText = ForgetRetryAnswers;
            command.ExecuteNonQuery();
            command.CommandText = "SELECT sql FROM sqlite_master WHERE name = 'record_outcomes'";
            var create = ((string)command.ExecuteScalar()!).Replace("\"record_outcomes\"", "record_outcomes", StringComparison.Ordinal)
                .Replace("record_outcomes", "record_outcomes_clustered", StringComparison.Ordinal);
            command.CommandText = "SELECT sql FROM sqlite_master WHERE name = 'record_outcomes_by_group'";
            var index = (string)command.ExecuteScalar()!;
            command.CommandText = $"""
                {create} WITHOUT ROWID;
                INSERT INTO record_outcomes_clustered SELECT * FROM record_outcomes;
                DROP TABLE record_outcomes;
                ALTER TABLE record_outcomes_clustered RENAME TO record_outcomes;
                {index};
                DELETE FROM schema_migrations WHERE version = 6;
                """;
            command.ExecuteNonQuery();
        });

        var records = await reopened.ListRecordsAsync(runId, new RecordFilter(null, 0, 10), CancellationToken.None);
        records.Select(r => (r.Position, r.Key, r.Outcome)).ShouldBe([(0, "k0", OutcomeKind.Failed), (2, "k2", OutcomeKind.Ignored)]);
        records[0].Error.ShouldNotBeNull().Code.ShouldBe("REQUIRED");
        (await reopened.ListErrorGroupsAsync(runId, CancellationToken.None)).Single().Count.ShouldBe(1);
        TableSql("record_outcomes").ShouldNotContain("WITHOUT ROWID");
        Integrity().ShouldBe("ok");
    }

    private long PageCount() => (long)ReadOnlyScalar("PRAGMA page_count");

    private string TableSql(string table) => (string)ReadOnlyScalar($"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'");

    private object ReadOnlyScalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={StatePath};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()!;
    }

    private string Integrity() => (string)ReadOnlyScalar("PRAGMA integrity_check");

    private async Task DisposeStoreAsync() => await Store.DisposeAsync();
}
