using System.Buffers;
using System.Text;

namespace Resync.Connectors.Http;

/// <summary>One HTTP answer read in full into a pooled buffer; disposing returns the buffer.</summary>
internal sealed class HttpAnswer : IDisposable
{
    private const int SnippetBytes = 100;
    private byte[]? _buffer;
    private readonly int _length;

    private HttpAnswer(int status, string? contentType, string? linkHeader, TimeSpan? retryAfter, byte[] buffer, int length)
    {
        Status = status;
        ContentType = contentType;
        LinkHeader = linkHeader;
        RetryAfter = retryAfter;
        _buffer = buffer;
        _length = length;
    }

    public int Status { get; }

    public string? ContentType { get; }

    /// <summary>The <c>Link</c> header, if any (next-link pagination).</summary>
    public string? LinkHeader { get; }

    /// <summary>How long the server asked to wait (<c>Retry-After</c>, seconds or a date), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    public bool IsSuccess => Status is >= 200 and <= 299;

    public ReadOnlyMemory<byte> Body => (_buffer ?? throw new ObjectDisposedException(nameof(HttpAnswer))).AsMemory(0, _length);

    public static async Task<HttpAnswer> ReadAsync(HttpResponseMessage response, TimeProvider clock, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 and < 64 * 1024 * 1024 ? (int)declared.Value + 1 : 16 * 1024);
        var length = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (true)
            {
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                    break;
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        var link = response.Headers.TryGetValues("Link", out var links) ? string.Join(", ", links) : null;
        return new HttpAnswer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, link, RetryAfterOf(response, clock), buffer, length);
    }

    /// <summary>What was received, for error messages: status, content type, size and the first ~100 bytes.</summary>
    public string Describe() =>
        $"received HTTP {Status}, content type {ContentType ?? "(none)"}, {_length} bytes{(_length == 0 ? "" : $" starting '{Snippet()}'")}";

    /// <summary>The start of the body as text, control characters replaced.</summary>
    public string Snippet()
    {
        var span = Body.Span;
        var cut = Math.Min(span.Length, SnippetBytes);
        // Do not cut a UTF-8 sequence in half.
        while (cut < span.Length && cut > 0 && (span[cut] & 0xC0) == 0x80)
            cut--;
        var text = Encoding.UTF8.GetString(span[..cut]);
        var builder = new StringBuilder(text.Length + 1);
        foreach (var c in text)
            builder.Append(char.IsControl(c) ? ' ' : c);
        if (cut < span.Length)
            builder.Append('…');
        return builder.ToString();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            ArrayPool<byte>.Shared.Return(buffer);
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider clock)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - clock.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }
}
