using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Resync.Testing;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// A fast contacts API on 127.0.0.1 (Kestrel, a free port) for the pipeline benchmark:
/// <c>GET /contacts?total=N&amp;page=P&amp;size=S</c> answers the P-th page (1-based) of N generated contacts as a JSON
/// array, an empty array past the end. Each contact is ~300 bytes; every hundredth (<see cref="IsBad"/>) has a phone
/// longer than the target's varchar(40); with <c>&amp;invalidEmails=true</c>, another hundredth (<see cref="HasInvalidEmail"/>)
/// has an email the validate step refuses. Pages are serialised into reused buffers, so the server costs both sides
/// of the benchmark the same, and little.
/// </summary>
internal sealed class ContactsApi : IAsyncDisposable
{
    /// <summary>The longest phone the target table accepts.</summary>
    public const int PhoneLimit = 40;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly WebApplication _app;
    private readonly ConcurrentBag<(ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)> _buffers = [];

    private ContactsApi(WebApplication app)
    {
        _app = app;
        app.MapGet("/contacts", ServeAsync);
    }

    public string Url => _app.Urls.First().TrimEnd('/');

    public static async Task<ContactsApi> StartAsync()
    {
        var api = new ContactsApi(LoopbackWebApp.CreateBuilder().Build());
        await api._app.StartAsync();
        return api;
    }

    // Which contact of each hundred is bad, in either way.
    private const int BadPhone = 37;
    private const int InvalidEmail = 73;

    /// <summary>Whether contact <paramref name="id"/> (1-based) breaks the target's phone constraint.</summary>
    public static bool IsBad(long id) => id % 100 == BadPhone;

    /// <summary>Whether contact <paramref name="id"/> has an invalid email when the API is asked for them.</summary>
    public static bool HasInvalidEmail(long id) => id % 100 == InvalidEmail;

    /// <summary>How many of the first <paramref name="total"/> contacts have an invalid email when the API is asked for them.</summary>
    public static long InvalidEmailCount(long total) => CountUpTo(total, InvalidEmail);

    /// <summary>How many of the first <paramref name="total"/> contacts are bad.</summary>
    public static long BadCount(long total) => CountUpTo(total, BadPhone);

    /// <summary>How many of the ids 1 to <paramref name="total"/> have <paramref name="remainder"/> as their remainder by 100.</summary>
    private static long CountUpTo(long total, int remainder) => total / 100 + (total % 100 >= remainder ? 1 : 0);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var (_, writer) in _buffers)
            await writer.DisposeAsync();
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification =
        "A writer made here goes back into the pool with its buffer for the next page; the pool is disposed with the API.")]
    private async Task ServeAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var total = long.Parse(query["total"].ToString(), CultureInfo.InvariantCulture);
        var page = long.Parse(query["page"].ToString(), CultureInfo.InvariantCulture);
        var size = int.Parse(query["size"].ToString(), CultureInfo.InvariantCulture);
        var invalidEmails = query["invalidEmails"] == "true";
        var first = (page - 1) * size + 1;
        var last = Math.Min(total, first + size - 1);

        if (!_buffers.TryTake(out var reused))
        {
            var created = new ArrayBufferWriter<byte>(size * 320);
            reused = (created, new Utf8JsonWriter(created, WriterOptions));
        }
        var (buffer, writer) = reused;
        try
        {
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
            writer.WriteStartArray();
            for (var id = first; id <= last; id++)
                WriteContact(writer, id, invalidEmails && HasInvalidEmail(id));
            writer.WriteEndArray();
            writer.Flush();

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = buffer.WrittenCount;
            await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
        }
        finally
        {
            _buffers.Add(reused);
        }
    }

    private static void WriteContact(Utf8JsonWriter writer, long id, bool invalidEmail)
    {
        Span<char> text = stackalloc char[160];
        writer.WriteStartObject();
        writer.WriteNumber("id"u8, id);
        writer.WriteString("name"u8, Format(text, $"Customer {id:D7} of the benchmark tenant"));
        writer.WriteString("email"u8, invalidEmail ? Format(text, $"customer{id} at example.org") : Format(text, $"customer{id}@example.org"));
        writer.WriteString("phone"u8, IsBad(id)
            ? Format(text, $"+41 44 {id % 1000:D3} 12 34 ext. {id} (switchboard, ask for billing)")
            : Format(text, $"+41 44 {id % 1000:D3} 12 34"));
        writer.WriteString("address"u8, Format(text,
            $"Bahnhofstrasse {id % 200}, Building {id % 7}, Floor {id % 9}, 8001 Zurich, Switzerland; deliveries at the back door; ask at reception {id}"));
        writer.WriteString("amount"u8, Format(text, $"{id % 100_000}.{id % 100:D2}"));
        writer.WriteString("country"u8, "CH"u8);
        writer.WriteEndObject();
    }

    private static ReadOnlySpan<char> Format(Span<char> destination, [System.Runtime.CompilerServices.InterpolatedStringHandlerArgument(nameof(destination))] ref MemoryExtensions.TryWriteInterpolatedStringHandler handler) =>
        MemoryExtensions.TryWrite(destination, ref handler, out var written) ? destination[..written] : throw new InvalidOperationException("The value does not fit.");
}
