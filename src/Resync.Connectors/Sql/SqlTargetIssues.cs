using System.Globalization;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Sql;

/// <summary>The record issues both SQL table targets raise themselves (not from a database error), worded alike.</summary>
internal static class SqlTargetIssues
{
    /// <summary>Update mode found no row with the record's key.</summary>
    public static ErrorClassification NotFound(string table, string key, object? value) =>
        new(ErrorType.Data, Durability.Durable, ErrorCodes.NotFound, $"no row in {table} has {key} = '{value}'",
            "Update mode only changes existing rows: use upsert to create missing ones.", [key]);

    /// <summary>The record has no value for the version column, so it cannot be compared with the row.</summary>
    public static ErrorClassification VersionMissing(string column) =>
        new(ErrorType.Data, Durability.Durable, ErrorCodes.Required, $"{column}: the version column is empty, so the record cannot be checked for staleness",
            "Stale protection compares the record's version with the row's: map a value for it.", [column]);

    /// <summary>Why a stale record was not written.</summary>
    public static string StaleReason(string column, object? value) =>
        $"stale: the row in the target has a newer {column} than the record's ({Convert.ToString(value, CultureInfo.InvariantCulture)})";

    /// <summary>
    /// Transactional writes: when any record of the batch failed, the batch was rolled back. The failing records keep
    /// their own errors; every other record not ignored gets an error naming the first failing record.
    /// </summary>
    public static List<TargetRecordIssue> RollBack(IReadOnlyList<Record> records, List<TargetRecordIssue> issues)
    {
        var byIndex = issues.ToDictionary(issue => issue.Index);
        var culprit = issues.Where(issue => issue.Error is not null).Min(issue => issue.Index);
        var culpritKey = records[culprit].Key is { } key ? $" (key {key})" : "";
        var rolledBack = new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.RolledBack,
            $"not written: the transactional batch was rolled back because record {culprit + 1}{culpritKey} failed",
            "Fix the failing record of this batch, then retry; this record was fine on its own.");
        var all = new List<TargetRecordIssue>(records.Count);
        for (var index = 0; index < records.Count; index++)
            all.Add(byIndex.TryGetValue(index, out var issue) ? issue : new TargetRecordIssue(index, rolledBack));
        return all;
    }

    /// <summary>A failure while committing or rolling back: nothing of the batch may be reported as written.</summary>
    public static ResyncException Inconsistency(string phase, string code, Exception exception) =>
        new(new ErrorClassification(ErrorType.Inconsistency, Durability.Durable, code,
            $"The {phase} of the batch failed: {exception.Message}",
            "The target's state for this batch is uncertain: check the target database, then retry the run's failures."), exception);

    // The three below are the link's configuration, checked before the first write: every batch would fail the same way,
    // so they stop the run (a system error) instead of failing each batch of the whole source.

    /// <summary>The target table does not exist (SQLSTATE 42P01 found before writing).</summary>
    public static ResyncException TableNotFound(string table, string where) =>
        new(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.TableNotFound,
            $"The target table '{table}' does not exist in {where}", "Create the table, or fix 'table' in the link's target.") { StopsTheRun = true });

    /// <summary>A column named in the link is not a column of the table (SQLSTATE 42703 found before writing).</summary>
    public static ResyncException ColumnNotFound(string option, string column, string table, IEnumerable<string> columns) =>
        new(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.ColumnNotFound,
            $"The {option} column '{column}' is not a column of '{table}' (columns: {string.Join(", ", columns)})",
            $"Fix '{option}: {column}' in the link (one of the columns above).", [column]) { StopsTheRun = true });

    /// <summary>An upsert's key has no unique constraint or index of its own, so rows cannot be matched by it (SQLSTATE 42P10 found before writing).</summary>
    public static ResyncException KeyNotUnique(string key, string table) =>
        new(ErrorClassifier.Default.ClassifySqlState("42P10",
            $"No unique constraint or index of '{table}' is on the link's key '{key}' alone, so an upsert cannot match rows by it", key, null)
            with { Hint = $"Add a unique constraint on {table}({key}), or set 'key' in the link's target to a column that has one." });
}
