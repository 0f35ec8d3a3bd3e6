using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Resync.Testing.Otlp;

/// <summary>
/// An OTLP/HTTP receiver on 127.0.0.1 (<c>/v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>) that decodes the protobuf
/// bodies it needs (spans and log records, by the field numbers of opentelemetry-proto) and keeps them.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Span> _spans = new();
    private readonly ConcurrentQueue<LogRecord> _logs = new();
    private int _grpcRequests;

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public IReadOnlyList<Span> Spans => [.. _spans];

    public IReadOnlyList<LogRecord> Logs => [.. _logs];

    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, int StatusCode, IReadOnlyDictionary<string, string> Attributes);

    public sealed record LogRecord(string TraceId, string SpanId, string Body, IReadOnlyDictionary<string, string> Attributes);

    /// <param name="grpc">
    /// OTLP/gRPC instead: HTTP/2 without TLS (prior knowledge, as a collector's plain gRPC port answers), the services'
    /// <c>Export</c> methods, each message in gRPC's length-prefixed frame, the answer's status in the <c>grpc-status</c> trailer.
    /// </param>
    public static async Task<OtlpReceiver> StartAsync(bool grpc = false)
    {
        var app = LoopbackWebApp.CreateBuilder(grpc ? HttpProtocols.Http2 : HttpProtocols.Http1AndHttp2).Build();
        var receiver = new OtlpReceiver(app);
        if (grpc)
        {
            app.MapPost("/opentelemetry.proto.collector.trace.v1.TraceService/Export", async (HttpContext http) => receiver.ReadTraces(await receiver.GrpcMessageAsync(http)));
            app.MapPost("/opentelemetry.proto.collector.logs.v1.LogsService/Export", async (HttpContext http) => receiver.ReadLogs(await receiver.GrpcMessageAsync(http)));
            app.MapPost("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", async (HttpContext http) => { await receiver.GrpcMessageAsync(http); });
        }
        else
        {
            app.MapPost("/v1/traces", async (HttpRequest request) => { receiver.ReadTraces(await BodyAsync(request)); return Results.Ok(); });
            app.MapPost("/v1/logs", async (HttpRequest request) => { receiver.ReadLogs(await BodyAsync(request)); return Results.Ok(); });
            app.MapPost("/v1/metrics", () => Results.Ok());
        }
        receiver.Url = await LoopbackWebApp.StartAsync(app);
        return receiver;
    }

    /// <summary>
    /// Reads the request's one gRPC message (a byte saying whether it is compressed, its length in 4 bytes big-endian, the
    /// protobuf) and answers the empty Export response with grpc-status 0. Counted in <see cref="GrpcRequests"/>.
    /// </summary>
    private async Task<byte[]> GrpcMessageAsync(HttpContext http)
    {
        Interlocked.Increment(ref _grpcRequests);
        var body = await BodyAsync(http.Request);
        if (http.Request.Protocol != "HTTP/2" || body.Length < 5 || body[0] != 0)
            throw new InvalidOperationException($"Not an uncompressed gRPC message over HTTP/2: {http.Request.Protocol}, {body.Length} bytes.");
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1, 4));
        http.Response.ContentType = "application/grpc";
        await http.Response.Body.WriteAsync(new byte[5]); // an empty ExportServiceResponse, framed
        http.Response.AppendTrailer("grpc-status", "0");
        return body.AsSpan(5, length).ToArray();
    }

    /// <summary>How many gRPC Export calls the receiver answered (its gRPC mode).</summary>
    public int GrpcRequests => Volatile.Read(ref _grpcRequests);

    private static async Task<byte[]> BodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    // ExportTraceServiceRequest.resource_spans(1) → ResourceSpans.scope_spans(2) → ScopeSpans.spans(2) → Span.
    private void ReadTraces(byte[] body)
    {
        foreach (var resource in Protobuf.Messages(body, 1))
        foreach (var scope in Protobuf.Messages(resource, 2))
        foreach (var span in Protobuf.Messages(scope, 2))
        {
            var fields = Protobuf.Fields(span);
            var status = fields.Where(f => f.Number == 15).Select(f => Protobuf.Fields(f.Bytes!)).FirstOrDefault();
            _spans.Enqueue(new Span(Hex(fields, 1), Hex(fields, 2), Hex(fields, 4), Text(fields, 5),
                (int)(status?.FirstOrDefault(f => f.Number == 3)?.Varint ?? 0), Attributes(fields, 9)));
        }
    }

    // ExportLogsServiceRequest.resource_logs(1) → ResourceLogs.scope_logs(2) → ScopeLogs.log_records(2) → LogRecord.
    private void ReadLogs(byte[] body)
    {
        foreach (var resource in Protobuf.Messages(body, 1))
        foreach (var scope in Protobuf.Messages(resource, 2))
        foreach (var log in Protobuf.Messages(scope, 2))
        {
            var fields = Protobuf.Fields(log);
            var bodyValue = fields.Where(f => f.Number == 5).Select(f => AnyValue(f.Bytes!)).FirstOrDefault() ?? "";
            _logs.Enqueue(new LogRecord(Hex(fields, 9), Hex(fields, 10), bodyValue, Attributes(fields, 6)));
        }
    }

    private static string Hex(IReadOnlyList<Protobuf.Field> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number)?.Bytes is { } bytes ? Convert.ToHexStringLower(bytes) : "";

    private static string Text(IReadOnlyList<Protobuf.Field> fields, int number) =>
        fields.FirstOrDefault(f => f.Number == number)?.Bytes is { } bytes ? Encoding.UTF8.GetString(bytes) : "";

    // KeyValue: key(1), value(2) AnyValue.
    private static Dictionary<string, string> Attributes(IReadOnlyList<Protobuf.Field> fields, int number) =>
        fields.Where(f => f.Number == number).Select(f => Protobuf.Fields(f.Bytes!))
            .GroupBy(kv => Text(kv, 1)).ToDictionary(g => g.Key, g => g.Last().FirstOrDefault(f => f.Number == 2)?.Bytes is { } value ? AnyValue(value) : "");

    // AnyValue: string_value(1), bool_value(2), int_value(3), double_value(4).
    private static string AnyValue(byte[] value)
    {
        var field = Protobuf.Fields(value).FirstOrDefault();
        return field switch
        {
            { Number: 1, Bytes: { } text } => Encoding.UTF8.GetString(text),
            { Number: 2 or 3, Varint: { } number } => number.ToString(System.Globalization.CultureInfo.InvariantCulture),
            { Number: 4, Fixed: { } bits } => BitConverter.Int64BitsToDouble((long)bits).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
