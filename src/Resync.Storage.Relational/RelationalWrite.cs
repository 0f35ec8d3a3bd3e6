using System.Data.Common;
using Dapper;

namespace Resync.Storage.Relational;

/// <summary>
/// One write's connection and transaction, as the write logic both stores share sees them. PostgreSQL's writes run
/// asynchronously on a pooled connection; SQLite's run synchronously on its single writer's thread, where every statement
/// completes before it returns (<see cref="Synchronously{T}"/>). One method then serves both, as npgsql serves its sync and
/// async APIs with one method and an <c>async</c> flag. <paramref name="prepared"/>, where the store keeps commands prepared
/// across writes (SQLite's writer), gives the command for a hot statement.
/// </summary>
internal sealed class RelationalWrite(DbConnection connection, DbTransaction transaction, SqlDialect dialect, bool async, Func<string, DbCommand>? prepared = null)
{
    public SqlDialect Dialect => dialect;

    /// <summary>For the store's own driver-specific writes (its batch of record outcomes) in the same transaction.</summary>
    public DbConnection Connection => connection;

    /// <inheritdoc cref="Connection"/>
    public DbTransaction Transaction => transaction;

    /// <summary>
    /// Runs one of the hot statements (a few per batch, thousands per run) with its parameters bound by name: as the command the
    /// store keeps prepared where it does (re-preparing them each time cost SQLite more than running them), else through Dapper.
    /// </summary>
    public Task<int> ExecuteHotAsync(string sql, params (string Name, object? Value)[] parameters) =>
        prepared is null ? ExecuteAsync(sql, Dynamic(parameters)) : Task.FromResult(Bind(prepared(sql), parameters).ExecuteNonQuery());

    /// <inheritdoc cref="ExecuteHotAsync"/>
    public Task<T?> ExecuteHotScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters) =>
        prepared is null
            ? ExecuteScalarAsync<T>(sql, Dynamic(parameters))
            : Task.FromResult(Bind(prepared(sql), parameters).ExecuteScalar() is T value ? value : default);

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

    private static DynamicParameters Dynamic((string Name, object? Value)[] parameters)
    {
        var dynamic = new DynamicParameters();
        foreach (var (name, value) in parameters)
            dynamic.Add(name, value);
        return dynamic;
    }

    /// <summary>Binds a kept command's parameters: added on its first use, given new values after.</summary>
    private static DbCommand Bind(DbCommand command, (string Name, object? Value)[] parameters)
    {
        foreach (var (name, value) in parameters)
        {
            var index = command.Parameters.IndexOf(name);
            if (index >= 0)
            {
                command.Parameters[index].Value = value ?? DBNull.Value;
                continue;
            }
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

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
