using System.Text.Json;
using Resync.Core.Engine;
using Resync.Core.Storage;

namespace Resync.Messaging.RabbitMq;

/// <summary>A worker's report of a stored batch, on the wire (to the reply queue of the run's engine).</summary>
internal static class ReportMessage
{
    public static byte[] Serialize(RemoteBatchReport report) => JsonSerializer.SerializeToUtf8Bytes(report, StoredJson.Options);

    /// <summary>Reads a report; throws <see cref="JsonException"/> when it is not one.</summary>
    public static RemoteBatchReport Deserialize(ReadOnlySpan<byte> body) =>
        JsonSerializer.Deserialize<RemoteBatchReport>(body, StoredJson.Options) ?? throw new JsonException("A batch report is a JSON object, found null.");
}
