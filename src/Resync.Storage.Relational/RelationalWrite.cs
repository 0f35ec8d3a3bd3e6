using System.Data.Common;
using Dapper;

namespace Resync.Storage.Relational;

/// <summary>
/// One write's connection and transaction, as the write logic both stores share sees them. PostgreSQL's writes run
/// asynchronously on a pooled connection; SQLite's run synchronously on its single writer's thread, where every statement
/// completes before it returns (<see cref="Synchronously{T}"/>). One method then serves both, as npgsql serves its sync and
/// async APIs with one method and an <c>async</c> flag.
/// </summary>
internal sealed class RelationalWrite(DbConnection connection, DbTransaction transaction, SqlDialect dialect, bool async)
{
    public SqlDialect Dialect => dialect;

    public Task<int> ExecuteAsync(string sql, object? parameters = null) =>
        async ? connection.ExecuteAsync(sql, parameters, transaction) : Task.FromResult(connection.Execute(sql, parameters, transaction));

    public Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null) =>
        async ? connection.ExecuteScalarAsync<T>(sql, parameters, transaction) : Task.FromResult(connection.ExecuteScalar<T>(sql, parameters, transaction));

    public Task<T> QuerySingleAsync<T>(string sql, object? parameters = null) =>
        async ? connection.QuerySingleAsync<T>(sql, parameters, transaction) : Task.FromResult(connection.QuerySingle<T>(sql, parameters, transaction));

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null) =>
        async
            ? connection.QuerySingleOrDefaultAsync<T>(sql, parameters, transaction)
            : Task.FromResult(connection.QuerySingleOrDefault<T>(sql, parameters, transaction));

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null) =>
        async ? [.. await connection.QueryAsync<T>(sql, parameters, transaction)] : [.. connection.Query<T>(sql, parameters, transaction)];

    /// <summary>
    /// The result of shared write logic run on a synchronous write (SQLite's writer thread). Its statements all completed as
    /// they were called, so the task has too; one that has not would block the writer, and is refused as a bug.
    /// </summary>
    public static T Synchronously<T>(Task<T> work)
    {
        Synchronously((Task)work);
        return work.GetAwaiter().GetResult();
    }

    /// <inheritdoc cref="Synchronously{T}"/>
    public static void Synchronously(Task work)
    {
        if (!work.IsCompleted)
            throw new InvalidOperationException("A synchronous write awaited something that had not completed.");
        work.GetAwaiter().GetResult();
    }
}
