using System.Globalization;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Sql;

/// <summary>
/// What every SQL table target and source does, run against a real database per provider. Each test has its own
/// tables (<see cref="People"/>, <see cref="Events"/>): a <c>people</c> table with a primary key <c>id</c>, a NOT
/// NULL UNIQUE <c>email</c>, a <c>phone</c> of at most 40 characters, an <c>age</c> with the CHECK constraint
/// <c>age_not_negative</c> and a <c>version</c>; an <c>events</c> table with an <c>updated_at</c>.
/// </summary>
public abstract class SqlTargetCompliance : IAsyncLifetime
{
    private static int _tables;
    private readonly List<IAsyncDisposable> _owned = [];

    protected SqlTargetCompliance()
    {
        var n = Interlocked.Increment(ref _tables).ToString(CultureInfo.InvariantCulture) + Guid.NewGuid().ToString("N")[..6];
        People = "people_" + n;
        Events = "events_" + n;
    }

    /// <summary>This test's people table.</summary>
    protected string People { get; }

    /// <summary>This test's events table.</summary>
    protected string Events { get; }

    /// <summary>DDL for the people table named <paramref name="table"/> (see the class summary).</summary>
    protected abstract string PeopleDdl(string table);

    /// <summary>DDL for the events table: <c>id</c> integer key, <c>name</c> text, <c>updated_at</c> a timestamp (ISO-8601 text in SQLite).</summary>
    protected abstract string EventsDdl(string table);

    /// <summary>The provider's code for a value longer than its column allows (a length constraint or type).</summary>
    protected abstract string TooLongCode { get; }

    /// <summary>What the provider's too-long error names: the length constraint or the column's type.</summary>
    protected abstract string TooLongNames { get; }

    protected abstract string NotNullCode { get; }

    protected abstract string CheckCode { get; }

    protected abstract string UniqueCode { get; }

    /// <summary>Whether a batch is one transaction, and so keeps its ledger row, without <c>transactional: true</c>.</summary>
    protected abstract bool KeepsLedgerWithoutTransactional { get; }

    /// <summary>What the provider's UNIQUE error names (the constraint, or the table.column).</summary>
    protected abstract string UniqueNames { get; }

    protected abstract Task ExecuteAsync(string sql);

    protected abstract Task<IReadOnlyList<object?[]>> QueryAsync(string sql);

    protected abstract ITarget CreateTarget(string table, SqlWriteMode mode, string? key, SqlTargetOptions? options = null);

    protected abstract SqlTableSource CreateSource(string table, string keyColumn, string? updatedAtColumn);

    public virtual async Task InitializeAsync()
    {
        await ExecuteAsync(PeopleDdl(People));
        await ExecuteAsync(EventsDdl(Events));
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var owned in _owned)
            await owned.DisposeAsync();
    }

    [Fact]
    public async Task Insert_WritesEveryRecord_AndAnExistingKeyIsDuplicateData()
    {
        var target = Target(SqlWriteMode.Insert, null);
        (await WriteAsync(target, Person("1", "a@x.io"), Person("2", "b@x.io"))).Issues.ShouldBeEmpty();

        var again = await WriteAsync(target, Person("1", "other@x.io"), Person("3", "c@x.io"));

        var issue = again.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(0);
        issue.Error!.Type.ShouldBe(ErrorType.DuplicateData);
        issue.Error.Fields.ShouldBe(["id"]);
        (await IdsAsync()).ShouldBe(["1", "2", "3"]);
    }

    [Fact]
    public async Task Upsert_WritingTheSameRecordTwice_ChangesNothing_AndNewValuesReplaceOldOnes()
    {
        var target = Target(SqlWriteMode.Upsert, "id");
        Record[] batch = [Person("1", "a@x.io"), Person("2", "b@x.io")];

        (await WriteAsync(target, batch)).Issues.ShouldBeEmpty();
        (await WriteAsync(target, batch)).Issues.ShouldBeEmpty();
        (await WriteAsync(target, Person("2", "new@x.io"))).Issues.ShouldBeEmpty();

        (await QueryAsync($"SELECT id, email FROM {People} ORDER BY id")).Select(row => $"{row[0]}={row[1]}").ShouldBe(["1=a@x.io", "2=new@x.io"]);
    }

    [Fact]
    public async Task Update_OfAMissingRow_IsADataErrorForThatRecord()
    {
        await ExecuteAsync($"INSERT INTO {People} (id, email) VALUES ('1', 'a@x.io')");
        var target = Target(SqlWriteMode.Update, "id");

        var result = await WriteAsync(target, Person("1", "new@x.io"), Person("9", "z@x.io"));

        var issue = result.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(1);
        issue.Error!.Code.ShouldBe(ErrorCodes.NotFound);
        issue.Error.Fields.ShouldBe(["id"]);
        (await QueryAsync($"SELECT email FROM {People}")).Single()[0].ShouldBe("new@x.io");
    }

    [Fact]
    public async Task OnePercentBreakingConstraints_FailAlone_WithColumnAndConstraintNamed_AndAllOthersAreWritten()
    {
        var target = Target(SqlWriteMode.Upsert, "id");
        var records = Enumerable.Range(0, 400).Select(i => Person($"p{i:D3}", $"p{i}@x.io")).ToArray();
        records[50].Fields["email"] = null;
        records[150].Fields["phone"] = new string('9', 60);
        records[250].Fields["age"] = -3L;
        records[350].Fields["email"] = "p10@x.io";

        var result = await WriteAsync(target, records);

        result.Issues.Select(issue => issue.Index).ShouldBe([50, 150, 250, 350]);
        var (notNull, tooLong, check, unique) = (result.Issues[0].Error!, result.Issues[1].Error!, result.Issues[2].Error!, result.Issues[3].Error!);
        notNull.ShouldSatisfyAllConditions(
            () => notNull.Type.ShouldBe(ErrorType.Data),
            () => notNull.Code.ShouldBe(NotNullCode),
            () => notNull.Fields.ShouldBe(["email"]));
        tooLong.ShouldSatisfyAllConditions(
            () => tooLong.Type.ShouldBe(ErrorType.Data),
            () => tooLong.Code.ShouldBe(TooLongCode),
            () => tooLong.Fields.ShouldBe(["phone"]),
            () => tooLong.Message.ShouldContain(TooLongNames));
        check.ShouldSatisfyAllConditions(
            () => check.Type.ShouldBe(ErrorType.Data),
            () => check.Code.ShouldBe(CheckCode),
            () => check.Fields.ShouldBe(["age"]),
            () => check.Message.ShouldContain("age_not_negative"));
        unique.ShouldSatisfyAllConditions(
            () => unique.Type.ShouldBe(ErrorType.DuplicateData),
            () => unique.Code.ShouldBe(UniqueCode),
            () => unique.Fields.ShouldBe(["email"]),
            () => unique.Message.ShouldContain(UniqueNames));
        (await IdsAsync()).Count.ShouldBe(396);
    }

    [Fact]
    public async Task Transactional_ARecordTheDatabaseRefuses_RollsBackTheBatch_AndTheOthersNameIt()
    {
        var target = Target(SqlWriteMode.Upsert, "id", new SqlTargetOptions { Transactional = true });
        var records = new[] { Person("1", "a@x.io"), Person("2", "b@x.io"), Person("3", "c@x.io", age: -1), Person("4", "d@x.io") };

        var result = await WriteAsync(target, records);

        result.Issues.Select(issue => issue.Index).ShouldBe([0, 1, 2, 3]);
        result.Issues[2].Error!.Code.ShouldBe(CheckCode);
        result.Issues[2].Error!.Fields.ShouldBe(["age"]);
        foreach (var index in new[] { 0, 1, 3 })
        {
            var error = result.Issues[index].Error!;
            error.Code.ShouldBe(ErrorCodes.RolledBack);
            error.Message.ShouldContain("record 3 (key 3)");
        }
        (await IdsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Transactional_ARecordBreakingAKnownConstraint_RollsBackTheBatch()
    {
        var target = Target(SqlWriteMode.Insert, null, new SqlTargetOptions { Transactional = true });

        var result = await WriteAsync(target, Person("1", "a@x.io"), Person("2", null), Person("3", "c@x.io"));

        result.Issues.Select(issue => issue.Error!.Code).ShouldBe([ErrorCodes.RolledBack, NotNullCode, ErrorCodes.RolledBack]);
        result.Issues[0].Error!.Message.ShouldContain("record 2");
        (await IdsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Transactional_BatchAfterBatchWithRefusedRecords_EachRollsBack_AndAGoodBatchStillCommits()
    {
        var target = Target(SqlWriteMode.Upsert, "id", new SqlTargetOptions { Transactional = true });

        for (var batch = 0; batch < 4; batch++)
        {
            var result = await WriteAsync(target, Person($"{batch}-1", $"{batch}-1@x.io"), Person($"{batch}-2", $"{batch}-2@x.io", age: -1));
            result.Issues.Select(issue => issue.Error!.Code).ShouldBe([ErrorCodes.RolledBack, CheckCode]);
        }
        (await WriteAsync(target, Person("ok-1", "ok-1@x.io"), Person("ok-2", "ok-2@x.io"))).Issues.ShouldBeEmpty();

        (await IdsAsync()).ShouldBe(["ok-1", "ok-2"]);
    }

    [Fact]
    public async Task Transactional_WhenEveryRecordIsFine_CommitsTheBatch()
    {
        var target = Target(SqlWriteMode.Upsert, "id", new SqlTargetOptions { Transactional = true });

        (await WriteAsync(target, Person("1", "a@x.io"), Person("2", "b@x.io"))).Issues.ShouldBeEmpty();

        (await IdsAsync()).ShouldBe(["1", "2"]);
    }

    [Fact]
    public async Task VersionColumn_Upsert_NeverOverwritesANewerRow_AndIgnoresTheRecordAsStale()
    {
        await ExecuteAsync($"INSERT INTO {People} (id, email, version) VALUES ('1', 'v5@x.io', 5), ('2', 'v5b@x.io', 5)");
        var target = Target(SqlWriteMode.Upsert, "id", new SqlTargetOptions { VersionColumn = "version" });

        var result = await WriteAsync(target, Person("1", "v3@x.io", version: 3), Person("2", "v7@x.io", version: 7), Person("3", "new@x.io", version: 1),
            Person("4", "none@x.io", version: null));

        result.Issues.Select(issue => issue.Index).ShouldBe([0, 3]);
        result.Issues[0].Error.ShouldBeNull();
        result.Issues[0].IgnoreReason.ShouldNotBeNull().ShouldStartWith("stale");
        result.Issues[1].Error!.Fields.ShouldBe(["version"]);
        (await QueryAsync($"SELECT id, email FROM {People} ORDER BY id")).Select(row => $"{row[0]}={row[1]}").ShouldBe(["1=v5@x.io", "2=v7@x.io", "3=new@x.io"]);
    }

    [Fact]
    public async Task VersionColumn_Update_IgnoresOlderRecordsAsStale_AndAMissingRowIsNotFound()
    {
        await ExecuteAsync($"INSERT INTO {People} (id, email, version) VALUES ('1', 'v5@x.io', 5), ('2', 'v5b@x.io', 5)");
        var target = Target(SqlWriteMode.Update, "id", new SqlTargetOptions { VersionColumn = "version" });

        var result = await WriteAsync(target, Person("1", "v4@x.io", version: 4), Person("2", "v5c@x.io", version: 5), Person("9", "z@x.io", version: 9));

        result.Issues.Select(issue => issue.Index).ShouldBe([0, 2]);
        result.Issues[0].IgnoreReason.ShouldNotBeNull().ShouldStartWith("stale");
        result.Issues[1].Error!.Code.ShouldBe(ErrorCodes.NotFound);
        (await QueryAsync($"SELECT id, email FROM {People} ORDER BY id")).Select(row => $"{row[0]}={row[1]}").ShouldBe(["1=v5@x.io", "2=v5c@x.io"]);
    }

    [Fact]
    public async Task MissingTable_FailsTheWriteWithAClearDurableError()
    {
        var target = CreateTarget("nope_" + People, SqlWriteMode.Insert, null);
        _owned.Add(target);

        var exception = await Should.ThrowAsync<ResyncException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "a@x.io")]), CancellationToken.None));

        exception.Classification.Code.ShouldBe(ErrorCodes.TableNotFound);
        exception.Classification.Message.ShouldContain("nope_" + People);
        exception.IsTransient.ShouldBeFalse();
        exception.Classification.StopsTheRun.ShouldBeTrue("every batch would fail the same way");
    }

    [Fact]
    public async Task Upsert_ByAKeyColumnTheTableDoesNotHave_StopsTheRunBeforeWriting_NamingTheKey()
    {
        var target = Target(SqlWriteMode.Upsert, "ident");

        var exception = await Should.ThrowAsync<ResyncException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "a@x.io")]), CancellationToken.None));

        exception.Classification.Code.ShouldBe(ErrorCodes.ColumnNotFound);
        exception.Classification.StopsTheRun.ShouldBeTrue();
        exception.Classification.Fields.ShouldBe(["ident"]);
        exception.Classification.Hint.ShouldBe("Fix 'key: ident' in the link (one of the columns above).");
        exception.Classification.Message.ShouldContain("email");
        (await IdsAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Upsert_ByAColumnWithoutAUniqueConstraint_StopsTheRunBeforeWriting_NamingTheKey()
    {
        var target = Target(SqlWriteMode.Upsert, "phone");

        var exception = await Should.ThrowAsync<ResyncException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "a@x.io")]), CancellationToken.None));

        exception.Classification.Code.ShouldBe("42P10");
        exception.Classification.StopsTheRun.ShouldBeTrue();
        exception.Classification.Fields.ShouldBe(["phone"]);
        exception.Classification.Message.ShouldContain("key 'phone'");
        exception.Classification.Hint!.ShouldStartWith($"Add a unique constraint on {People}(phone), or set 'key'");
        (await IdsAsync()).ShouldBeEmpty();
        // A key with a unique constraint of its own (email), or the primary key, is fine.
        (await WriteAsync(Target(SqlWriteMode.Upsert, "email"), Person("1", "a@x.io"))).Issues.ShouldBeEmpty();
        (await WriteAsync(Target(SqlWriteMode.Upsert, "id"), Person("1", "b@x.io"))).Issues.ShouldBeEmpty();
    }

    [Fact]
    public async Task BatchLedger_ABatchWrittenAgainAfterItsOutcomeWasLost_WritesNothing_AndGivesTheFirstResult()
    {
        await ExecuteAsync($"INSERT INTO {People} (id, email, version) VALUES ('2', 'newer@x.io', 9)");
        var options = new SqlTargetOptions { Transactional = true, VersionColumn = "version" };
        // Link id and cursor are data, never SQL.
        var batch = new TargetBatch($"l'); DROP TABLE {People}; --", 7, 3, [Person("1", "a@x.io"), Person("2", "b@x.io"), Person("3", "c@x.io")])
            { RootRunId = 5, Cursor = "https://api.example/contacts?page=3&q=' OR 1=1 --" };
        var first = await Target(SqlWriteMode.Upsert, "id", options).WriteAsync(batch, CancellationToken.None);
        first.Issues.ShouldHaveSingleItem().IgnoreReason!.ShouldStartWith("stale:");
        await ExecuteAsync($"UPDATE {People} SET phone = 'untouched'");

        // A resume in another process (a new target) fetches the batch again by its cursor, in a run of its own.
        var again = await Target(SqlWriteMode.Upsert, "id", options).WriteAsync(batch with { RunId = 8, BatchNumber = 1, MayBeWritten = true }, CancellationToken.None);

        Described(again).ShouldBe(Described(first));
        (await QueryAsync($"SELECT phone FROM {People}")).ShouldAllBe(row => (string?)row[0] == "untouched");
        var noted = (await QueryAsync($"SELECT link_id, root_run_id, run_id, batch_number, records FROM resync_batches WHERE link_id = '{batch.LinkId.Replace("'", "''", StringComparison.Ordinal)}'")).ShouldHaveSingleItem();
        noted.Select(value => Convert.ToString(value, CultureInfo.InvariantCulture)).ShouldBe([batch.LinkId, "5", "7", "3", "3"]);
    }

    [Fact]
    public async Task BatchLedger_NotTransactional_RefusedRecordsAreRecordedToo_WhereABatchIsOneTransaction()
    {
        var batch = new TargetBatch(People, 1, 1, [Person("1", "a@x.io"), Person("2", "b@x.io", age: -1), Person("3", null)]) { Cursor = "page=1" };
        var first = await Target(SqlWriteMode.Upsert, "id").WriteAsync(batch, CancellationToken.None);
        first.Issues.Select(issue => issue.Error!.Code).ShouldBe([CheckCode, NotNullCode]);
        await ExecuteAsync($"UPDATE {People} SET phone = 'untouched'");

        var again = await Target(SqlWriteMode.Upsert, "id").WriteAsync(batch with { RunId = 2, MayBeWritten = true }, CancellationToken.None);

        Described(again).ShouldBe(Described(first));
        (await QueryAsync($"SELECT phone FROM {People}")).Single()[0].ShouldBe(KeepsLedgerWithoutTransactional ? "untouched" : "+1 555 0100");
    }

    [Fact]
    public async Task BatchLedger_AFirstAttempt_IsWritten_AndItsResultIsTheOneARedoGets()
    {
        var options = new SqlTargetOptions { Transactional = true };
        var target = Target(SqlWriteMode.Upsert, "id", options);
        var batch = new TargetBatch(People, 1, 1, [Person("1", "a@x.io")]) { Cursor = "page=1" };
        (await target.WriteAsync(batch, CancellationToken.None)).Issues.ShouldBeEmpty();
        await ExecuteAsync($"UPDATE {People} SET phone = 'untouched'");

        // Not flagged (a retry of failures, or a batch of the same page in another run of the chain): written, never looked up.
        (await target.WriteAsync(batch with { RunId = 2 }, CancellationToken.None)).Issues.ShouldBeEmpty();
        (await QueryAsync($"SELECT phone FROM {People}")).Single()[0].ShouldBe("+1 555 0100");
        await ExecuteAsync($"UPDATE {People} SET phone = 'untouched'");
        (await target.WriteAsync(batch with { RunId = 3, MayBeWritten = true }, CancellationToken.None)).Issues.ShouldBeEmpty();

        (await QueryAsync($"SELECT phone FROM {People}")).Single()[0].ShouldBe("untouched");
        (await QueryAsync($"SELECT run_id FROM resync_batches WHERE link_id = '{People}'")).Single()[0].ShouldBe(2L);
    }

    [Fact]
    public async Task BatchLedger_ABatchFetchedAgainWithOtherRecords_IsWritten()
    {
        var options = new SqlTargetOptions { Transactional = true };
        var batch = new TargetBatch(People, 1, 1, [Person("1", "a@x.io")]) { Cursor = "page=1" };
        await Target(SqlWriteMode.Upsert, "id", options).WriteAsync(batch, CancellationToken.None);

        // The source changed since: the page holds another record now, which no earlier attempt wrote.
        var again = await Target(SqlWriteMode.Upsert, "id", options)
            .WriteAsync(batch with { RunId = 2, MayBeWritten = true, Records = [Person("2", "b@x.io")] }, CancellationToken.None);

        again.Issues.ShouldBeEmpty();
        (await IdsAsync()).ShouldBe(["1", "2"]);
    }

    [Fact]
    public async Task BatchLedger_Off_ABatchWrittenAgain_IsWrittenAgain()
    {
        var options = new SqlTargetOptions { Transactional = true, BatchLedger = false };
        var batch = new TargetBatch(People, 1, 1, [Person("1", "a@x.io")]) { Cursor = "page=1" };
        await Target(SqlWriteMode.Upsert, "id", options).WriteAsync(batch, CancellationToken.None);
        await ExecuteAsync($"UPDATE {People} SET phone = 'untouched'");

        (await Target(SqlWriteMode.Upsert, "id", options).WriteAsync(batch with { RunId = 2, MayBeWritten = true }, CancellationToken.None)).Issues.ShouldBeEmpty();

        (await QueryAsync($"SELECT phone FROM {People}")).Single()[0].ShouldBe("+1 555 0100");
    }

    [Fact]
    public async Task ParallelBatches_AreAllWritten()
    {
        var target = Target(SqlWriteMode.Upsert, "id");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(batch =>
            target.WriteAsync(new TargetBatch("l", 1, batch + 1, [.. Enumerable.Range(0, 50).Select(i => Person($"{batch}-{i:D2}", $"{batch}-{i}@x.io"))]), CancellationToken.None)));

        results.ShouldAllBe(result => result.Issues.Count == 0);
        (await IdsAsync()).Count.ShouldBe(200);
    }

    [Fact]
    public async Task Source_DeltaPull_ReadsOnlyRowsChangedSinceTheWatermark_InKeysetPages()
    {
        // Ten rows, two per second: pages of three split rows that share an updated-at.
        await InsertEventsAsync(Enumerable.Range(1, 10).Select(id => (id, Second((id + 1) / 2))));
        var source = Source(updatedAt: true);

        var all = await ReadAllAsync(source, watermark: null, pageSize: 3);
        var since = await ReadAllAsync(source, watermark: Second(3), pageSize: 3);

        all.Select(page => page.Records.Count).ShouldBe([3, 3, 3, 1]);
        all.SelectMany(page => page.Records).Select(record => record.Key).ShouldBe(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
        all.Select(page => page.Watermark).ShouldBe([Second(2), Second(3), Second(5), Second(5)]);
        since.SelectMany(page => page.Records).Select(record => record.Key).ShouldBe(["7", "8", "9", "10"]);
        var first = all[0].Records[0];
        first["id"].ShouldBe(1L);
        first["name"].ShouldBe("event 1");
    }

    [Fact]
    public async Task Source_FetchPageByCursor_RereadsExactlyThatPage()
    {
        await InsertEventsAsync(Enumerable.Range(1, 10).Select(id => (id, Second((id + 1) / 2))));
        var source = Source(updatedAt: true);
        var pages = await ReadAllAsync(source, watermark: Second(1), pageSize: 3);

        var again = await source.FetchPageAsync(pages[1].Cursor, Context(Second(1), 3), CancellationToken.None);

        again.Records.Select(record => record.Key).ShouldBe(pages[1].Records.Select(record => record.Key));
        again.Records.Select(record => record.Key).ShouldBe(["6", "7", "8"]);
        again.Watermark.ShouldBe(pages[1].Watermark);
    }

    [Fact]
    public async Task Source_WithoutUpdatedAt_ReadsTheWholeTableByKey()
    {
        await InsertEventsAsync(Enumerable.Range(1, 5).Select(id => (id, Second(6 - id))));
        var source = Source(updatedAt: false);

        var pages = await ReadAllAsync(source, watermark: Second(9), pageSize: 2);

        pages.SelectMany(page => page.Records).Select(record => record.Key).ShouldBe(["1", "2", "3", "4", "5"]);
        pages.ShouldAllBe(page => page.Watermark == null);
    }

    [Fact]
    public async Task Source_FetchByKey_ReturnsTheRowAsItIsNow_OrNull()
    {
        await InsertEventsAsync([(1, Second(1)), (2, Second(2))]);
        var source = Source(updatedAt: true);
        await ExecuteAsync($"UPDATE {Events} SET name = 'renamed' WHERE id = 2");

        var found = await source.FetchByKeyAsync("2", Context(null, 10), CancellationToken.None);
        var missing = await source.FetchByKeyAsync("7", Context(null, 10), CancellationToken.None);

        found.ShouldNotBeNull().Key.ShouldBe("2");
        found["name"].ShouldBe("renamed");
        missing.ShouldBeNull();
    }

    /// <summary>A person record with every people column plus a field the table does not have (dropped).</summary>
    protected static Record Person(string id, string? email, string phone = "+1 555 0100", long age = 30, long? version = 1) =>
        new(id, new Dictionary<string, object?> { ["id"] = id, ["email"] = email, ["phone"] = phone, ["age"] = age, ["version"] = version, ["unknown"] = "dropped" });

    /// <summary>An ISO-8601 timestamp <paramref name="seconds"/> after 2024-01-01T00:00:00Z, as the sources give watermarks.</summary>
    protected static string Second(int seconds) =>
        new DateTimeOffset(2024, 1, 1, 0, 0, seconds, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);

    protected ITarget Target(SqlWriteMode mode, string? key, SqlTargetOptions? options = null)
    {
        var target = CreateTarget(People, mode, key, options);
        _owned.Add(target);
        return target;
    }

    protected static Task<TargetWriteResult> WriteAsync(ITarget target, params Record[] records) =>
        target.WriteAsync(new TargetBatch("link", 1, 1, records), CancellationToken.None);

    /// <summary>Every fact of a write's result, to compare two results whole.</summary>
    protected static List<string> Described(TargetWriteResult result) =>
        [.. result.Issues.Select(issue => issue.Error is { } error
            ? $"{issue.Index}|{error.Type}|{error.Durability}|{error.Code}|{error.Message}|{error.Hint}|{string.Join(',', error.Fields ?? [])}|{error.StopsTheRun}|{error.Attempts}"
            : $"{issue.Index}|ignored|{issue.IgnoreReason}"), $"stopped:{result.StoppedBy}"];

    protected async Task<List<string>> IdsAsync() =>
        [.. (await QueryAsync($"SELECT id FROM {People} ORDER BY id")).Select(row => (string)row[0]!)];

    private SqlTableSource Source(bool updatedAt)
    {
        var source = CreateSource(Events, "id", updatedAt ? "updated_at" : null);
        _owned.Add(source);
        return source;
    }

    private Task InsertEventsAsync(IEnumerable<(int Id, string UpdatedAt)> rows) =>
        ExecuteAsync($"INSERT INTO {Events} (id, name, updated_at) VALUES " +
            string.Join(", ", rows.Select(row => $"({row.Id}, 'event {row.Id}', '{row.UpdatedAt}')")));

    private static SourceContext Context(string? watermark, int pageSize) => new("link", 1, watermark, pageSize, TimeProvider.System);

    private static async Task<List<SourcePage>> ReadAllAsync(ISource source, string? watermark, int pageSize)
    {
        var pages = new List<SourcePage>();
        await foreach (var page in source.ReadAsync(Context(watermark, pageSize), CancellationToken.None))
            pages.Add(page);
        return pages;
    }
}
