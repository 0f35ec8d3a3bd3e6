using Microsoft.Data.Sqlite;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Sqlite;

public sealed class SqliteTableTargetTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-sqlite-target");
    private readonly string _path;

    public SqliteTableTargetTests()
    {
        _path = _folder.Combine("target.db");
        Execute("""
            CREATE TABLE people (
                id TEXT PRIMARY KEY,
                email TEXT NOT NULL UNIQUE,
                phone TEXT CONSTRAINT phone_max_40 CHECK (length(phone) <= 40),
                age INTEGER CHECK (age >= 0)
            );
            """);
    }

    [Fact]
    public async Task ConstraintBreakingRecords_FailAlone_WithTheirColumnNamed()
    {
        await using var target = new SqliteTableTarget(_path, "people", SqlWriteMode.Insert, null);
        var records = new[]
        {
            Person("1", "a@x.io", "+1 555"),
            Person("2", "b@x.io", new string('9', 60)),
            Person("3", null, "+1 555"),
            Person("4", "a@x.io", "+1 555"),
            Person("5", "e@x.io", "+1 555", age: -3),
            Person("6", "f@x.io", "+1 555"),
        };

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, records), CancellationToken.None);

        result.Issues.Select(i => i.Index).ShouldBe([1, 2, 3, 4]);
        var tooLong = result.Issues[0].Error.ShouldNotBeNull();
        tooLong.Type.ShouldBe(ErrorType.Data);
        tooLong.Code.ShouldBe("SQLITE_CONSTRAINT_CHECK");
        tooLong.Fields.ShouldBe(["phone"]);
        tooLong.Message.ShouldContain("phone_max_40");
        result.Issues[1].Error!.Code.ShouldBe("SQLITE_CONSTRAINT_NOTNULL");
        result.Issues[1].Error!.Fields.ShouldBe(["email"]);
        result.Issues[2].Error!.Type.ShouldBe(ErrorType.DuplicateData);
        result.Issues[2].Error!.Fields.ShouldBe(["email"]);
        result.Issues[3].Error!.Fields.ShouldBe(["age"]);
        Ids().ShouldBe(["1", "6"]);
    }

    [Fact]
    public async Task Upsert_WritingTheSameRecordTwice_ChangesNothing()
    {
        await using var target = new SqliteTableTarget(_path, "people", SqlWriteMode.Upsert, "id");
        var batch = new TargetBatch("l", 1, 1, [Person("1", "a@x.io", "1"), Person("2", "b@x.io", "2")]);

        (await target.WriteAsync(batch, CancellationToken.None)).Issues.ShouldBeEmpty();
        (await target.WriteAsync(batch, CancellationToken.None)).Issues.ShouldBeEmpty();

        Ids().ShouldBe(["1", "2"]);
    }

    [Fact]
    public async Task Update_OfAMissingRow_IsADataErrorForThatRecord()
    {
        Execute("INSERT INTO people (id, email) VALUES ('1', 'a@x.io')");
        await using var target = new SqliteTableTarget(_path, "people", SqlWriteMode.Update, "id");

        var result = await target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "new@x.io", "1"), Person("9", "z@x.io", "9")]), CancellationToken.None);

        var issue = result.Issues.ShouldHaveSingleItem();
        issue.Index.ShouldBe(1);
        issue.Error!.Code.ShouldBe("NOT_FOUND");
    }

    [Fact]
    public async Task MissingTable_FailsTheWriteWithAClearDurableError()
    {
        await using var target = new SqliteTableTarget(_path, "nope", SqlWriteMode.Insert, null);

        var exception = await Should.ThrowAsync<ResyncException>(() => target.WriteAsync(new TargetBatch("l", 1, 1, [Person("1", "a@x.io", "1")]), CancellationToken.None));

        exception.Classification.Code.ShouldBe("TABLE_NOT_FOUND");
        exception.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public void UpsertWithoutKey_IsRefused() =>
        Should.Throw<ArgumentException>(() => new SqliteTableTarget(_path, "people", SqlWriteMode.Upsert, null)).Message.ShouldContain("needs 'key'");

    private static Record Person(string id, string? email, string phone, int age = 30) =>
        new(id, new Dictionary<string, object?> { ["id"] = id, ["email"] = email, ["phone"] = phone, ["age"] = (long)age, ["unknown"] = "dropped" });

    private List<string> Ids() => SqliteFile.Texts(_path, "SELECT id FROM people ORDER BY id");

    private void Execute(string sql) => SqliteFile.Execute(_path, sql);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
