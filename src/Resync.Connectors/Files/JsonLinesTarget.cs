using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Files;

/// <summary>
/// Appends records to a JSON Lines file (UTF-8), one JSON object per line, one flushed write per batch.
/// With <c>fields</c>, only those fields are written, in that order (missing ones as null); otherwise every
/// field in the record's order. Dates are written as ISO-8601 text.
/// </summary>
public sealed class JsonLinesTarget : ITarget
{
    // The file is data, not HTML: write '+', quotes and non-ASCII letters as they are (only JSON's own escapes).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly AppendFile _file;
    private readonly IReadOnlyList<string>? _fields;

    /// <param name="path">The file (created with its folder when missing).</param>
    /// <param name="fields">The fields to write, in order; null: all of them.</param>
    public JsonLinesTarget(string path, IReadOnlyList<string>? fields = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _file = new AppendFile(path);
        _fields = fields is { Count: > 0 } ? fields : null;
    }

    /// <summary>Called with the file's path right before it is opened (a server checks it again there).</summary>
    public Action<string>? BeforeOpen { get => _file.BeforeOpen; init => _file.BeforeOpen = value; }

    public Task<TargetWriteResult> WriteAsync(TargetBatch batch, CancellationToken cancellationToken) =>
        _file.AppendAsync((_, text) =>
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using var json = new Utf8JsonWriter(buffer, WriterOptions);
            foreach (var record in batch.Records)
            {
                buffer.ResetWrittenCount();
                json.Reset(buffer);
                json.WriteStartObject();
                if (_fields is null)
                {
                    foreach (var (name, value) in record.Fields)
                        Write(json, name, value);
                }
                else
                {
                    foreach (var name in _fields)
                        Write(json, name, record[name]);
                }
                json.WriteEndObject();
                json.Flush();
                text.Append(Encoding.UTF8.GetString(buffer.WrittenSpan)).Append('\n');
            }
            return TargetWriteResult.AllWritten;
        }, cancellationToken);

    public ValueTask DisposeAsync() => _file.DisposeAsync();

    private static void Write(Utf8JsonWriter json, string name, object? value)
    {
        json.WritePropertyName(name);
        RecordJson.WriteValue(json, value);
    }
}
