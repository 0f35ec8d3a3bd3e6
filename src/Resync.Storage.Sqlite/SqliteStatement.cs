using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Resync.Storage.Sqlite;

/// <summary>
/// A statement kept prepared on the writer's connection and bound by position through SQLite's own API, for the one write that
/// runs once per record (a batch's outcome rows). Through <see cref="SqliteCommand"/> each row's values were bound by name, boxed
/// and run through a data reader: 2–7 µs more of the writer's CPU per row of ~20 (docs/benchmarks.md, "The state file's writer
/// alone"). Failures raise <see cref="SqliteException"/> as a command's do. Only for use on the writer's thread.
/// </summary>
internal sealed class SqliteStatement(SqliteConnection connection, string sql) : IDisposable
{
    private readonly sqlite3_stmt _statement = Prepare(connection, sql);
    private int _next = 1;

    public SqliteStatement Bind(long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, _next++, value));
        return this;
    }

    public SqliteStatement Bind(string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_statement, _next++) : raw.sqlite3_bind_text16(_statement, _next++, value.AsSpan()));
        return this;
    }

    /// <summary>Runs the statement with the values bound since the last run, and makes it ready for the next.</summary>
    public void Execute()
    {
        _next = 1;
        var result = raw.sqlite3_step(_statement);
        // Reset even when the step failed: a statement left mid-step would keep the transaction from ending.
        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
            SqliteException.ThrowExceptionForRC(result, connection.Handle);
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            _next = 1;
            SqliteException.ThrowExceptionForRC(result, connection.Handle);
        }
    }

    private static sqlite3_stmt Prepare(SqliteConnection connection, string sql)
    {
        var result = raw.sqlite3_prepare_v3(connection.Handle, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement);
        if (result != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(result, connection.Handle);
        return statement;
    }
}
