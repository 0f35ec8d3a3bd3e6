using System.Text.Json;
using Resync.Core.Engine;
using Resync.Core.Errors;
using Resync.Core.Records;

namespace Resync.Messaging.RabbitMq;

/// <summary>
/// A batch on the wire: the run it belongs to, its number and cursor, and its records. Field values travel as JSON and
/// come back as the plain values a snapshot gives (<see cref="RecordJson"/>), as a retried record's do.
/// </summary>
/// <param name="MayBeWritten">A recovery run's batch fetched again: its target may have written it before (see <see cref="BatchWork.MayBeWritten"/>).</param>
internal sealed record BatchMessage(RemoteRun Run, int Number, string? Cursor, IReadOnlyList<BatchMessage.WireRecord> Records, bool MayBeWritten = false)
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static byte[] Serialize(RemoteRun run, BatchWork work) =>
        JsonSerializer.SerializeToUtf8Bytes(new BatchMessage(run, work.Number, work.Cursor,
            [.. work.Records.Select(record => new WireRecord(record.Key, record.Fields, record.ReadError, record.IgnoreReason))], work.MayBeWritten), Options);

    /// <summary>Reads a message; throws <see cref="JsonException"/> when it is not a batch.</summary>
    public static (RemoteRun Run, BatchWork Work) Deserialize(ReadOnlySpan<byte> body)
    {
        var message = JsonSerializer.Deserialize<BatchMessage>(body, Options) ?? throw new JsonException("A batch message is a JSON object, found null.");
        if (message.Run is null || message.Records is null)
            throw new JsonException("A batch message names its run and carries its records.");
        var records = message.Records.Select(wire => new Record(wire.Key, wire.Fields is null ? [] : ToFields(wire.Fields))
        {
            ReadError = wire.ReadError,
            IgnoreReason = wire.IgnoreReason,
        }).ToList();
        return (message.Run, new BatchWork(message.Number, message.Cursor, records) { MayBeWritten = message.MayBeWritten });
    }

    private static Dictionary<string, object?> ToFields(IReadOnlyDictionary<string, object?> fields)
    {
        var values = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
        foreach (var (name, value) in fields)
            values[name] = value is JsonElement element ? RecordJson.ToValue(element) : value;
        return values;
    }

    /// <summary>One record on the wire.</summary>
    internal sealed record WireRecord(string? Key, IReadOnlyDictionary<string, object?>? Fields, ErrorClassification? ReadError, string? IgnoreReason);
}
