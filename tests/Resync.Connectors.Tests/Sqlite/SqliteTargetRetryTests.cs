using Microsoft.Data.Sqlite;
using Resync.LinkFiles;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Sqlite;

/// <summary>A SQLite target's write that finds the file locked by another writer (SQLITE_BUSY) is made again by the call retry.</summary>
public sealed class SqliteTargetRetryTests : IDisposable
{
    private readonly TempDirectory _folder = new("resync-sqlite-retry");
    private readonly ManualTimeProvider _retryClock = new();
    private readonly string _path;

    public SqliteTargetRetryTests()
    {
        _path = _folder.Combine("target.db");
        SqliteFile.Execute(_path, "CREATE TABLE people (id TEXT PRIMARY KEY, name TEXT NOT NULL)");
    }

    [Fact]
    public async Task FileLockedByAnotherWriter_IsRetried_AndTheBatchIsWrittenOnce()
    {
        await using var target = Target(attempts: 3);
        using var holder = Open();
        var other = holder.BeginTransaction(deferred: false);

        var write = target.WriteAsync(Batch(), CancellationToken.None);
        await Eventually.TrueAsync(() => _retryClock.PendingTimers == 1, "the retry's delay after SQLITE_BUSY");
        other.Rollback();
        _retryClock.Advance(CallRetry.DefaultMaxDelay);

        (await write.WaitAsync(Patience.Limit)).Issues.ShouldBeEmpty();
        Names().ShouldBe(["Ada", "Grace"]);
    }

    [Fact]
    public async Task FileLockedByAnotherWriter_WithOneAttempt_FailsAtOnce_AsBusy()
    {
        await using var target = Target(attempts: 1);
        using var holder = Open();
        using var other = holder.BeginTransaction(deferred: false);

        var failure = await Should.ThrowAsync<SqliteException>(() => target.WriteAsync(Batch(), CancellationToken.None));

        failure.SqliteErrorCode.ShouldBe(SqliteResultCodes.Busy);
        _retryClock.PendingTimers.ShouldBe(0);
    }

    [Fact]
    public void LinkFileSettingsRetry_IsTheSqliteTargetsRetry()
    {
        var link = new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse("""
            name: people
            source: { type: demo, records: 1 }
            target: { type: sqlite, path: target.db, table: people, key: id }
            settings: { retry: { attempts: 1, delay: 250ms } }
            """, "people.yaml", _folder.Path).Link.ShouldNotBeNull();

        var retry = link.Target.ShouldBeOfType<SqliteTableTarget>().Retry;

        (retry.Attempts, retry.Delay).ShouldBe((1, TimeSpan.FromMilliseconds(250)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    // The shortest busy wait SQLite's client has (a second of its own polling), so the retry, not the wait, gets past the lock.
    private SqliteTableTarget Target(int attempts) =>
        new(_path, "people", SqlWriteMode.Upsert, "id") { BusyTimeout = TimeSpan.FromSeconds(1), Retry = new CallRetry { Attempts = attempts, Clock = _retryClock } };

    private static TargetBatch Batch() => new("l", 1, 1,
    [
        new Record("1", new Dictionary<string, object?> { ["id"] = "1", ["name"] = "Ada" }),
        new Record("2", new Dictionary<string, object?> { ["id"] = "2", ["name"] = "Grace" }),
    ]);

    private SqliteConnection Open() => SqliteFile.Open(_path);

    private List<string> Names() => SqliteFile.Texts(_path, "SELECT name FROM people ORDER BY id");
}
