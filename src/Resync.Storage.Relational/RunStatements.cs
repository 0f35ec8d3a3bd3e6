using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>The run queries (<see cref="IRunQueries"/>) that SQLite and PostgreSQL write alike, and their parameters.</summary>
internal static class RunStatements
{
    /// <summary>Runs (<see cref="RunRow"/>): a WHERE follows.</summary>
    public const string SelectRuns = """
        SELECT id AS Id, link_id AS LinkId, tenant AS Tenant, kind AS Kind, status AS Status, trigger AS Trigger, parent_run_id AS ParentRunId,
               request_id AS RequestId, started_at AS StartedAt, ended_at AS EndedAt, read AS Read, succeeded AS Succeeded, failed AS Failed,
               ignored AS Ignored, incomplete AS Incomplete, warnings AS Warnings, batches_total AS BatchesTotal, batches_failed AS BatchesFailed,
               system_error AS SystemError, root_run_id AS RootRunId, carries_all AS CarriesAll, resolved_by_run_id AS ResolvedByRunId,
               link_version AS LinkVersion
        FROM runs
        """;

    /// <summary>The errors of a run's failed batches, the first hundred (<see cref="BatchError"/>).</summary>
    public const string SelectBatchErrors =
        "SELECT number, cursor, error FROM batches WHERE run_id = @runId AND status = 'Failed' AND error IS NOT NULL ORDER BY number LIMIT 100";

    /// <summary>Batches (<see cref="BatchRow"/>): a WHERE follows.</summary>
    public const string SelectBatches = """
        SELECT run_id AS RunId, number AS Number, cursor AS Cursor, status AS Status, read AS Read, succeeded AS Succeeded,
               failed AS Failed, ignored AS Ignored, error AS Error, started_at AS StartedAt, ended_at AS EndedAt
        FROM batches
        """;

    /// <summary>A page of record outcomes (<see cref="RecordRow"/>) matching <paramref name="conditions"/> (<see cref="RecordConditions"/>).</summary>
    public static string SelectRecords(string conditions) => $"""
        SELECT run_id AS RunId, batch_number AS BatchNumber, position AS Position, record_key AS RecordKey, outcome AS Outcome, error AS Error,
               ignored_by AS IgnoredBy, ignore_reason AS IgnoreReason, warnings AS Warnings, before AS Before, after AS After
        FROM record_outcomes WHERE {conditions}
        ORDER BY batch_number, position LIMIT @Limit OFFSET @Offset
        """;

    public static BatchErrorView BatchError((long Number, string? Cursor, string Error) row) => new((int)row.Number, row.Cursor, StoredJson.Error(row.Error)!);

    /// <summary>
    /// Only the conditions that apply: "@x IS NULL OR …" would keep the database from seeking the key range, and every page of
    /// a long list would scan the whole run again. <paramref name="inOutcomes"/> is the dialect's test of the outcome against the
    /// list parameter <c>@Outcomes</c>.
    /// </summary>
    public static string RecordConditions(RecordFilter filter, string inOutcomes)
    {
        var where = new List<string> { "run_id = @runId" };
        if (filter.Outcomes is { Count: > 0 })
            where.Add(inOutcomes);
        else if (filter.Outcome is not null)
            where.Add("outcome = @Outcome");
        if (filter.BatchNumber is not null)
            where.Add("batch_number = @BatchNumber");
        if (filter.After is not null)
            where.Add("(batch_number, position) > (@AfterBatch, @AfterPosition)");
        return string.Join(" AND ", where);
    }

    /// <summary>For <see cref="RecordConditions"/>.</summary>
    public static object RecordParameters(long runId, RecordFilter filter) => new
    {
        runId, Outcome = filter.Outcome?.ToString(), Outcomes = filter.Outcomes?.Select(o => o.ToString()).ToArray(), Limit = (long)filter.Limit,
        Offset = (long)filter.Offset, BatchNumber = (long?)filter.BatchNumber, AfterBatch = (long?)filter.After?.Batch, AfterPosition = (long?)filter.After?.Position,
    };
}
