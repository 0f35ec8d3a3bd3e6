using System.Globalization;
using Npgsql;
using Record = Resync.Core.Records.Record;
using Resync.Storage.Sqlite;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>What only the PostgreSQL target does or must show: through the real engine, and its connection and credential failures.</summary>
public sealed class PostgresTableTargetTests(PostgresDatabaseFixture fixture) : IClassFixture<PostgresDatabaseFixture>
{
    private static readonly ErrorClassifier Classifier = ErrorClassifier.Default.With(PostgresExceptionClassifier.Instance);

    [Fact]
    public async Task OnePercentOfRecordsBreakingAConstraint_ThroughTheEngine_ExactlyThoseFail_WithColumnAndConstraintNamed_AndAllOthersAreWritten()
    {
        var table = await CreateContactsAsync();
        // 2,000 records in pages of 200; every 100th breaks a constraint, in turn NOT NULL, length, CHECK and UNIQUE.
        var pages = TestRecords.Pages(10, 200).Select(page => (IReadOnlyList<Record>)[.. page.Select(Contact)]).ToArray();
        var broken = new Dictionary<string, (string Column, string Names)>();
        var all = pages.SelectMany(page => page).ToArray();
        for (var i = 50; i < all.Length; i += 100)
        {
            var record = all[i];
            var (column, names) = (i / 100 % 4) switch
            {
                0 => ("email", "not-null constraint"),
                1 => ("phone", "character varying(40)"),
                2 => ("age", "age_not_negative"),
                _ => ("email", $"{table}_email_key"),
            };
            record.Fields[column] = (i / 100 % 4) switch
            {
                0 => null,
                1 => new string('9', 60),
                2 => -1L,
                // A row already in the table holds this email: another record of the run would race it across parallel batches.
                _ => "taken@example.com",
            };
            broken[record.Key!] = (column, names);
        }
        broken.Count.ShouldBe(20);

        await fixture.Database.ExecuteAsync($"INSERT INTO {table} (id, name, email) VALUES (0, 'Already there', 'taken@example.com')");
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Upsert, "id", ownsDataSource: true);
        using var folder = new TempDirectory("resync-pg-engine");
        var clock = new ManualTimeProvider();
        await using var store = new SqliteRunStore(folder.Combine("state.db"), clock);
        await store.InitializeAsync(CancellationToken.None);
        var link = new Link("contacts", new ListSource(pages), [], target, new LinkSettings { Parallelism = 2, BatchSize = 200 }) { Classifier = Classifier };

        var result = await new RunEngine(store, clock).RunAsync(link, new RunRequest(RunKind.Manual, "test"));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.Read.ShouldBe(2000);
        result.Counts.Failed.ShouldBe(20);
        result.Counts.Succeeded.ShouldBe(1980);
        var failed = await store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed, 0, 100), CancellationToken.None);
        failed.Select(record => record.Key).Order().ShouldBe(broken.Keys.Order());
        foreach (var record in failed)
        {
            var (column, names) = broken[record.Key!];
            var error = record.Error.ShouldNotBeNull();
            error.ShouldSatisfyAllConditions(
                () => error.Scope.ShouldBe(ErrorScope.Record),
                () => error.Fields.ShouldBe([column], record.Key),
                () => error.Message.ShouldContain(names, Case.Sensitive, record.Key),
                () => error.Type.ShouldBeOneOf(ErrorType.Data, ErrorType.DuplicateData));
        }
        var written = await fixture.Database.QueryAsync($"SELECT id FROM {table} WHERE id <> 0");
        written.Count.ShouldBe(1980);
        written.Select(row => "c" + ((long)row[0]!).ToString(CultureInfo.InvariantCulture)).Intersect(broken.Keys).ShouldBeEmpty();
    }

    [Fact]
    public async Task AValueOfTheWrongType_FailsOnlyItsRecord()
    {
        var table = await CreateContactsAsync();
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Insert, null, ownsDataSource: true);
        var records = TestRecords.Contacts(1, 3).Select(Contact).ToArray();
        records[1].Fields["age"] = "thirty";

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, records), CancellationToken.None);

        var issue = result.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(1);
        issue.Error!.Code.ShouldBe("22P02");
        issue.Error.Type.ShouldBe(ErrorType.Data);
        (await fixture.Database.QueryAsync($"SELECT id FROM {table} ORDER BY id")).Select(row => (long)row[0]!).ShouldBe([1L, 3L]);
    }

    [Fact]
    public async Task RecordsOfSharedSchemas_MixedWithOthers_EachRowGetsItsOwnValues_AndTheCheckReadsTheRightField()
    {
        // The target reads the fields of records that share a schema by position: a wider schema, another order of the same
        // fields and a dictionary in the same batch must each still be read by name.
        var table = await CreateContactsAsync();
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Insert, null, ownsDataSource: true);
        var page = new FieldSchema(["id", "name", "email"]);
        var reordered = new FieldSchema(["email", "id", "name", "phone"]);
        var widened = new Record("3", new RecordFields(page, [3L, "Cy", "cy@example.com"]));
        widened.Fields["phone"] = "+1 555 0103";
        Record[] records =
        [
            new("1", new RecordFields(page, [1L, "Ann", "ann@example.com"])),
            new("2", new RecordFields(page, [2L, "Bob", "bob@example.com"])),
            widened,
            new("4", new RecordFields(reordered, ["di@example.com", 4L, "Di", new string('9', 41)])),
            new("5", new RecordFields(reordered, ["ed@example.com", 5L, "Ed", "+1 555 0105"])),
            new("6", new Dictionary<string, object?> { ["name"] = "Fay", ["id"] = 6L, ["email"] = "fay@example.com" }),
            new("7", new RecordFields(page, [7L, "Gus", "gus@example.com"])),
        ];

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, records), CancellationToken.None);

        var issue = result.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(3);
        issue.Error!.Fields.ShouldBe(["phone"]);
        var rows = await fixture.Database.QueryAsync($"SELECT id, name, email, phone FROM {table} ORDER BY id");
        rows.Select(row => $"{row[0]} {row[1]} {row[2]} {row[3]}").ShouldBe([
            "1 Ann ann@example.com ", "2 Bob bob@example.com ", "3 Cy cy@example.com +1 555 0103",
            "5 Ed ed@example.com +1 555 0105", "6 Fay fay@example.com ", "7 Gus gus@example.com "]);
    }

    [Fact]
    public async Task NumbersAndFlags_SentInTheirColumnsOwnTypes_AreWrittenAsTheirTextWouldBe_AndAnIntegerOutOfRange_FailsOnlyItsRecord()
    {
        // The bulk statement sends a column in its own type where every value of the batch is one (PostgresColumnArrays), text
        // where any is not; the fallback function always sends text, so a refused value is reported as before.
        var table = "numbers_" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Database.ExecuteAsync($"""
            CREATE TABLE {table} (id bigint PRIMARY KEY, small smallint, count integer, amount numeric(12,2), price numeric, ratio double precision, active boolean)
            """);
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Upsert, "id", ownsDataSource: true);
        static Record Row(long id, object? small, object? count, object? amount, object? price, object? ratio, object? active) =>
            new("n" + id.ToString(CultureInfo.InvariantCulture), new Dictionary<string, object?>
            {
                ["id"] = id, ["small"] = small, ["count"] = count, ["amount"] = amount, ["price"] = price, ["ratio"] = ratio, ["active"] = active,
            });
        Record[] typed =
        [
            Row(1, 7L, 40L, 12.345m, 42L, 0.1, true),
            Row(2, null, -2_147_483_648L, -0.005m, 123456789012345678901234.5678m, 1e300, false),
            Row(3, 32_767L, 3_000_000_000L, 1m, 1.50m, -0.0, null),
            Row(4, -32_768L, 0L, null, 7L, double.NaN, true),
        ];
        // Text where one value of the column is not of its type: a string among the numbers, an integer among the doubles.
        Record[] mixed = [Row(5, "12", 1L, "7.5", 1m, 2L, "true"), Row(6, 13L, 2L, 8.25m, 2m, 2.5, false)];

        var first = await target.WriteAsync(new TargetBatch("l", 1, 1, typed), CancellationToken.None);
        var second = await target.WriteAsync(new TargetBatch("l", 1, 2, mixed), CancellationToken.None);

        var issue = first.Issues.ShouldHaveSingleItem();
        (issue.Index, issue.Error!.Code).ShouldBe((2, "22003"));
        issue.Error.Message.ShouldContain("3000000000");
        second.Issues.ShouldBeEmpty();
        var rows = await fixture.Database.QueryAsync($"SELECT id, small, count, amount::text, price::text, ratio::text, active FROM {table} ORDER BY id");
        rows.Select(row => string.Join(" ", row.Select(value => value?.ToString() ?? "-"))).ShouldBe([
            "1 7 40 12.35 42 0.1 True",
            "2 - -2147483648 -0.01 123456789012345678901234.5678 1e+300 False",
            "4 -32768 0 - 7 NaN True",
            "5 12 1 7.50 1 2 True",
            "6 13 2 8.25 2 2.5 False",
        ]);
    }

    [Fact]
    public async Task AColumnWidenedAfterARun_IsSeenByTheNextRun_OfTheSameTarget()
    {
        // Regression: the target read the table's shape once, so a retry after the fix kept refusing by the old length.
        var table = await CreateContactsAsync();
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Upsert, "id", ownsDataSource: true);
        var record = Contact(TestRecords.Contact(1));
        record.Fields["phone"] = new string('9', 60);

        (await target.WriteAsync(new TargetBatch("l", 1, 1, [record]), CancellationToken.None)).Issues.ShouldHaveSingleItem();
        await fixture.Database.ExecuteAsync($"ALTER TABLE {table} ALTER COLUMN phone TYPE varchar(80)");
        var retried = await target.WriteAsync(new TargetBatch("l", 2, 1, [record]), CancellationToken.None);

        retried.Issues.ShouldBeEmpty();
    }

    [Fact]
    public async Task RecordsWithDifferentFields_InOneBatch_AreEachWrittenWithTheirOwnColumns()
    {
        var table = await CreateContactsAsync();
        await fixture.Database.ExecuteAsync($"INSERT INTO {table} (id, name, email, phone, age) VALUES (2, 'Old', 'old2@example.com', '+1 555 0199', 40)");
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Upsert, "id", ownsDataSource: true);
        var records = TestRecords.Contacts(1, 6).Select(Contact).ToArray();
        records[1].Fields.Remove("phone");     // an existing row: keeps its phone
        records[2].Fields.Remove("age");       // a new row: no age
        records[3].Fields.Remove("phone");     // the same fields as record 2, after other ones
        records[4].Fields["nickname"] = "Jo";  // a field without a column is not written
        records[5].Fields.Remove("phone");

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, records), CancellationToken.None);

        result.Issues.ShouldBeEmpty();
        var rows = await fixture.Database.QueryAsync($"SELECT id, phone, age FROM {table} ORDER BY id");
        rows.Select(row => ((long)row[0]!, (string?)row[1], (int?)row[2])).ShouldBe(
        [
            (1L, "+1 555 0100", 30), (2L, "+1 555 0199", 30), (3L, "+1 555 0100", null),
            (4L, null, 30), (5L, "+1 555 0100", 30), (6L, null, 30),
        ]);
    }

    [Fact]
    public async Task TheSameKeyTwiceInOneBatch_IsWrittenInOrder()
    {
        var table = await CreateContactsAsync();
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Upsert, "id", ownsDataSource: true);
        var first = Contact(TestRecords.Contact(1));
        var second = Contact(TestRecords.Contact(1, "changed@example.com"));

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, [first, second]), CancellationToken.None);

        result.Issues.ShouldBeEmpty();
        (await fixture.Database.QueryAsync($"SELECT email FROM {table}")).Single()[0].ShouldBe("changed@example.com");
    }

    [Fact]
    public async Task RowsRefusedByACheckAForeignKeyAndATrigger_AtChunkEdges_ExactlyThoseFail_AndWritingTheBatchAgainChangesNothing()
    {
        // What the target cannot know up front: a CHECK, a foreign key (checked at the end of each statement) and a trigger.
        // Refused rows sit at the edges of the fallback's chunks of 32 rows, in a run of four, and last; one key comes twice
        // (the later record wins).
        var table = await CreateAccountsAsync();
        await fixture.Database.ExecuteAsync($"INSERT INTO {table} (id, name, country, age) VALUES (7, 'Before', 'FR', 1)");
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Upsert, "id", ownsDataSource: true);
        var records = Enumerable.Range(1, 100).Select(id => Account(id, "Account " + id, "FR", 30)).ToArray();
        var refused = new Dictionary<int, string>
        {
            [0] = "23514", [31] = "23503", [32] = "P0001", [40] = "23514", [41] = "23503", [42] = "P0001", [43] = "23514",
            [63] = "23514", [64] = "23503", [95] = "23503", [99] = "23503",
        };
        foreach (var (index, state) in refused)
        {
            var field = state switch { "23514" => "age", "23503" => "country", _ => "name" };
            records[index].Fields[field] = state switch { "23514" => -1L, "23503" => "XX", _ => "refused" };
        }
        records[51] = Account(50, "Account 50, again", "DE", 31);

        foreach (var round in new[] { 1, 2 })
        {
            var result = await target.WriteAsync(new TargetBatch("l", round, 1, records), CancellationToken.None);

            result.Issues.Select(issue => (issue.Index, issue.Error!.Code)).ShouldBe(refused.OrderBy(pair => pair.Key).Select(pair => (pair.Key, pair.Value)), $"round {round}");
            result.Issues.ShouldAllBe(issue => issue.Error!.Type == ErrorType.Data || issue.Error.Type == ErrorType.Runtime);
            var rows = await fixture.Database.QueryAsync($"SELECT id, name, country FROM {table} ORDER BY id");
            rows.Select(row => (long)row[0]!).ShouldBe(Enumerable.Range(1, 100).Where(id => !refused.ContainsKey(id - 1) && id != 52).Select(id => (long)id));
            rows.Single(row => (long)row[0]! == 50).Skip(1).ShouldBe(["Account 50, again", "DE"]);
            rows.Single(row => (long)row[0]! == 7)[1].ShouldBe("Account 7");
        }
    }

    [Fact]
    public async Task RowsRefusedBatchAfterBatch_TheSessionTheTargetKeeps_CompilesTheFallbackOnce_AndEachBatchFindsItsOwn()
    {
        var table = await CreateAccountsAsync();
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(PostgresTableTarget.KeepingSessions(fixture.Database.ConnectionString)), table,
            SqlWriteMode.Upsert, "id", ownsDataSource: true);

        var compiled = new List<object?>();
        for (var batch = 0; batch < 5; batch++)
        {
            var records = Enumerable.Range(batch * 10 + 1, 10).Select(id => Account(id, "Account " + id, "FR", id % 10 == 3 ? -1 : 30)).ToArray();
            var result = await target.WriteAsync(new TargetBatch("l", 1, batch + 1, records), CancellationToken.None);
            result.Issues.Select(issue => (issue.Index, issue.Error!.Code)).ShouldBe([(2, "23514")], $"batch {batch + 1}");
            compiled.AddRange((await fixture.Database.QueryAsync($"""
                SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname LIKE 'pg_temp%' AND p.proname LIKE 'resync_rows_%' AND p.prosrc LIKE '%{table}%'
                """)).Select(row => row[0]));
        }

        // The batches ran one after the other on one pooled connection, whose session kept the function compiled for the first.
        // (A pool that resets sessions drops it when the connection is next taken, and each batch compiled it anew.)
        compiled.Count.ShouldBe(5);
        compiled.Distinct().Count().ShouldBe(1, "one function, compiled once");
        (await fixture.Database.QueryAsync($"SELECT count(*) FROM {table}")).Single()[0].ShouldBe(45L);
    }

    [Fact]
    public void KeepingSessions_OfAStringNpgsqlCannotRead_LeavesItToBeRefusedWhereItIsOpened() =>
        PostgresTableTarget.KeepingSessions("Host=db;Nonsense=1").ShouldBe("Host=db;Nonsense=1");

    [Fact]
    public async Task TheSameKeyTwice_InInsertMode_AfterARefusedRow_FailsOnlyTheSecond_AsRowByRow()
    {
        var table = await CreateAccountsAsync();
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), table, SqlWriteMode.Insert, null, ownsDataSource: true);
        Record[] records = [Account(1, "First", "FR", 1), Account(2, "Checked", "FR", -1), Account(1, "Second", "FR", 1), Account(3, "Third", "DE", 1)];

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, records), CancellationToken.None);

        result.Issues.Select(issue => (issue.Index, issue.Error!.Code)).ShouldBe([(1, "23514"), (2, "23505")]);
        (await fixture.Database.QueryAsync($"SELECT id, name FROM {table} ORDER BY id")).Select(row => ((long)row[0]!, (string)row[1]!)).ShouldBe([(1L, "First"), (3L, "Third")]);
    }

    [Fact]
    public async Task ASchemaQualifiedTable_IsWritten()
    {
        await fixture.Database.ExecuteAsync("CREATE SCHEMA IF NOT EXISTS crm; CREATE TABLE crm.accounts (id bigint PRIMARY KEY, name text NOT NULL)");
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(fixture.Database.ConnectionString), "crm.accounts", SqlWriteMode.Upsert, "id", ownsDataSource: true);

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, [new Record("1", new() { ["id"] = 1L, ["name"] = "Acme" }), new Record("2", new() { ["id"] = 2L, ["name"] = null })]), CancellationToken.None);

        result.Issues.ShouldHaveSingleItem().Error!.Message.ShouldContain("\"accounts\"");
        (await fixture.Database.QueryAsync("SELECT name FROM crm.accounts")).Single()[0].ShouldBe("Acme");
    }

    [Fact]
    public async Task ARefusedConnection_IsAConnectionErrorThatStopsTheRun()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Port = ClosedPort(), Timeout = 5 };
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(builder.ConnectionString), "anything", SqlWriteMode.Insert, null, ownsDataSource: true);

        var exception = await Should.ThrowAsync<NpgsqlException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, [Contact(TestRecords.Contact(1))]), CancellationToken.None));

        var classification = Classifier.Classify(exception);
        classification.Type.ShouldBe(ErrorType.Connection);
        classification.IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task AWrongPassword_IsAnInvalidAccessTokenError()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Password = "wrong" };
        await using var target = new PostgresTableTarget(NpgsqlDataSource.Create(builder.ConnectionString), "anything", SqlWriteMode.Insert, null, ownsDataSource: true);

        var exception = await Should.ThrowAsync<PostgresException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, [Contact(TestRecords.Contact(1))]), CancellationToken.None));

        exception.SqlState.ShouldBe("28P01");
        var classification = Classifier.Classify(exception);
        classification.Type.ShouldBe(ErrorType.InvalidAccessToken);
        classification.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task TheClassifier_NamesColumnAndConstraint_OfAServerError()
    {
        var table = await CreateContactsAsync();

        var exception = await Should.ThrowAsync<PostgresException>(() => fixture.Database.ExecuteAsync($"INSERT INTO {table} (id, name, email, age) VALUES (1, 'A', 'a@x.io', -1)"));
        var check = Classifier.Classify(exception);
        var notNull = Classifier.Classify(await Should.ThrowAsync<PostgresException>(() => fixture.Database.ExecuteAsync($"INSERT INTO {table} (id, name) VALUES (2, 'B')")));

        check.Code.ShouldBe("23514");
        check.Message.ShouldContain("age_not_negative");
        notNull.Code.ShouldBe("23502");
        notNull.Fields.ShouldBe(["email"]);
    }

    private async Task<string> CreateContactsAsync()
    {
        var table = "contacts_" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Database.ExecuteAsync($"""
            CREATE TABLE {table} (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                email varchar(100) NOT NULL CONSTRAINT {table}_email_key UNIQUE,
                phone varchar(40),
                age integer CONSTRAINT age_not_negative CHECK (age >= 0)
            )
            """);
        return table;
    }

    // Accounts whose country must be in a countries table, whose age must not be negative and whose name a trigger refuses when it is 'refused'.
    private async Task<string> CreateAccountsAsync()
    {
        var table = "accounts_" + Guid.NewGuid().ToString("N")[..8];
        await fixture.Database.ExecuteAsync($"""
            CREATE TABLE {table}_countries (code text PRIMARY KEY);
            INSERT INTO {table}_countries VALUES ('FR'), ('DE');
            CREATE TABLE {table} (
                id bigint PRIMARY KEY,
                name text NOT NULL,
                country text REFERENCES {table}_countries (code),
                age integer CHECK (age >= 0)
            );
            CREATE FUNCTION {table}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF NEW.name = 'refused' THEN RAISE EXCEPTION 'refused by the trigger'; END IF;
              RETURN NEW;
            END $$;
            CREATE TRIGGER {table}_refuse BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_refuse();
            """);
        return table;
    }

    private static Record Account(long id, string name, string country, long age) =>
        new("a" + id.ToString(CultureInfo.InvariantCulture), new Dictionary<string, object?> { ["id"] = id, ["name"] = name, ["country"] = country, ["age"] = age });

    // A test contact with the columns of the contacts table.
    private static Record Contact(Record contact)
    {
        contact.Fields["phone"] = "+1 555 0100";
        contact.Fields["age"] = 30L;
        return contact;
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
