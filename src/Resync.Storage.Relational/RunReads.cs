using System.Data.Common;
using Dapper;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>
/// The run queries (<see cref="IRunQueries"/>) both stores run alike, on a connection the store opened its own way (a pooled
/// PostgreSQL connection, a SQLite reader connection). Where a dialect differs (list parameters, typed nulls) the store passes it in.
/// </summary>
internal static class RunReads
{
    public static Task<string?> GetWatermarkAsync(DbConnection connection, string linkId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<string?>(
            new CommandDefinition("SELECT watermark FROM links WHERE id = @linkId", new { linkId }, cancellationToken: cancellationToken));

    public static async Task<RunView?> GetRunAsync(DbConnection connection, long runId, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<RunRow>(
            new CommandDefinition($"{RunStatements.SelectRuns} WHERE id = @runId", new { runId }, cancellationToken: cancellationToken));
        if (row is null)
            return null;
        var batchErrors = await connection.QueryAsync<(long Number, string? Cursor, string Error)>(new CommandDefinition(
            RunStatements.SelectBatchErrors, new { runId }, cancellationToken: cancellationToken));
        return row.ToView([.. batchErrors.Select(RunStatements.BatchError)]);
    }

    public static async Task<IReadOnlyList<BatchView>> ListBatchesAsync(DbConnection connection, long runId, int offset, int limit, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<BatchRow>(new CommandDefinition($"""
            {RunStatements.SelectBatches} WHERE run_id = @runId ORDER BY number LIMIT @limit OFFSET @offset
            """, new { runId, limit = (long)limit, offset = (long)offset }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView())];
    }

    public static async Task<BatchView?> GetBatchAsync(DbConnection connection, long runId, int number, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<BatchRow>(new CommandDefinition($"""
            {RunStatements.SelectBatches} WHERE run_id = @runId AND number = @number
            """, new { runId, number = (long)number }, cancellationToken: cancellationToken));
        return row?.ToView();
    }

    /// <param name="inOutcomes">The dialect's test of the outcome against the list parameter <c>@Outcomes</c>.</param>
    public static async Task<IReadOnlyList<RecordView>> ListRecordsAsync(DbConnection connection, long runId, RecordFilter filter, string inOutcomes,
        CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<RecordRow>(new CommandDefinition(RunStatements.SelectRecords(RunStatements.RecordConditions(filter, inOutcomes)),
            RunStatements.RecordParameters(runId, filter), cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView())];
    }

    /// <param name="inOutcomes">The dialect's test of the outcome against the list parameter <c>@Outcomes</c>.</param>
    public static async Task<int> CountRecordsAsync(DbConnection connection, long runId, RecordFilter filter, string inOutcomes, CancellationToken cancellationToken) =>
        (int)await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM record_outcomes WHERE {RunStatements.RecordConditions(filter, inOutcomes)}", RunStatements.RecordParameters(runId, filter),
            cancellationToken: cancellationToken));
}
