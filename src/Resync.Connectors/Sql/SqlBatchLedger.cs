using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Sql;

/// <summary>
/// The batch ledger both SQL table targets keep in the target database (table <see cref="TableName"/>): one row per batch
/// written, in the same transaction as the batch's rows, with the batch's per-record result. A batch written again because
/// its outcome was lost (a resume of a batch cut by a crash, a batch delivered again to a worker) is found there and not
/// written a second time; its recorded result is returned instead, so its outcomes are those of the first write. See
/// docs/connectors-sql.md ("Batch ledger").
/// </summary>
internal static class SqlBatchLedger
{
    /// <summary>The ledger table, created beside the target table on first use.</summary>
    public const string TableName = "resync_batches";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>
    /// The batch's identity in the ledger (hex SHA-256 of link, chain root and cursor: fixed size, and no cursor text, which may
    /// carry a token in a URL, is stored), or null when the batch has none (a part of a batch written again).
    /// </summary>
    public static string? IdOf(TargetBatch batch) =>
        batch.Cursor is not { } cursor ? null
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{batch.LinkId}\n{batch.RootRunId}\n{cursor}"))));

    /// <summary>
    /// What the batch held (hex SHA-256 of its record keys in order): a batch fetched again whose records differ from those
    /// written (the source changed since) is written again rather than given another batch's result.
    /// </summary>
    public static string KeysOf(IReadOnlyList<Record> records)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> separator = [0];
        foreach (var record in records)
        {
            hash.AppendData(record.Key is { } key ? Encoding.UTF8.GetBytes(key) : [1, 1]);
            hash.AppendData(separator);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The per-record result to record: null when every record was written.</summary>
    public static string? IssuesOf(IReadOnlyList<TargetRecordIssue> issues) => issues.Count == 0 ? null : JsonSerializer.Serialize(issues, Json);

    /// <summary>
    /// The result recorded for the batch, or null when the row found is of other records (then the batch is written).
    /// </summary>
    public static TargetWriteResult? Recorded(TargetBatch batch, int records, string keys, string? issues)
    {
        if (records != batch.Records.Count || keys != KeysOf(batch.Records))
            return null;
        if (issues is null)
            return TargetWriteResult.AllWritten;
        var recorded = JsonSerializer.Deserialize<List<TargetRecordIssue>>(issues, Json);
        return recorded is null || recorded.Any(issue => issue.Index < 0 || issue.Index >= records) ? null : new TargetWriteResult(recorded);
    }

    /// <summary>
    /// The ledger cannot be created or written (no right to create tables, most often): every batch would fail alike, so the
    /// run stops, naming the way out.
    /// </summary>
    public static ResyncException Unavailable(string table, string code, Exception exception) =>
        new(new ErrorClassification(ErrorType.Runtime, Durability.Durable, code,
            $"The batch ledger '{table}' cannot be created or written: {exception.Message}",
            $"Let the target's user create '{table}' (or create it as docs/connectors-sql.md shows), or set 'batchLedger: false' in the link's target " +
            "(then a batch whose outcome a crash lost is written again by its resume).") { StopsTheRun = true }, exception);
}
