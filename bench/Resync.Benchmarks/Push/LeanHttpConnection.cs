using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Resync.Benchmarks.Push;

/// <summary>
/// One HTTP/1.1 keep-alive connection on a raw socket, the push benchmark's load generator: requests are written from bytes
/// built once (only the body changes), and an answer is read as its status code and its body
/// (<c>Content-Length</c> or chunked). It does what a client must and nothing else, so that the load generator, which shares the
/// server's process and cores, costs a fraction of an <see cref="HttpClient"/> request (headers objects, content streams, a
/// pool): the benchmark then measures the server. Loopback only, no TLS, no redirects; any answer it cannot read throws.
/// </summary>
internal sealed class LeanHttpConnection : IDisposable
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;
    private static ReadOnlySpan<byte> ContentLength => "\r\ncontent-length:"u8;
    private static ReadOnlySpan<byte> Chunked => "\r\ntransfer-encoding: chunked"u8;

    private readonly Socket _socket;
    private readonly byte[] _head;
    private byte[] _request = new byte[4096];
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private LeanHttpConnection(Socket socket, byte[] head)
    {
        _socket = socket;
        _head = head;
    }

    /// <summary>
    /// Connects to <paramref name="url"/>'s host and port; every request carries <paramref name="key"/> as its bearer key.
    /// </summary>
    public static async Task<LeanHttpConnection> OpenAsync(Uri url, string key)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(url.Host), url.Port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new LeanHttpConnection(socket, Encoding.ASCII.GetBytes($"Host: {url.Authority}\r\nAuthorization: Bearer {key}\r\n"));
    }

    /// <summary>Sends <c><paramref name="method"/> <paramref name="path"/></c> with <paramref name="json"/> as its body (none when empty) and reads the answer.</summary>
    public async Task<LeanAnswer> SendAsync(string method, string path, ReadOnlyMemory<byte> json = default)
    {
        var length = Encoding.ASCII.GetByteCount(method) + Encoding.ASCII.GetByteCount(path) + _head.Length + json.Length + 128;
        if (_request.Length < length)
            _request = new byte[length * 2];
        var at = Encoding.ASCII.GetBytes(method, _request);
        _request[at++] = (byte)' ';
        at += Encoding.ASCII.GetBytes(path, _request.AsSpan(at));
        at += Write(" HTTP/1.1\r\n"u8, at);
        at += Write(_head, at);
        if (json.Length > 0)
        {
            at += Write("Content-Type: application/json\r\nContent-Length: "u8, at);
            Utf8Formatter.TryFormat(json.Length, _request.AsSpan(at), out var digits);
            at += digits;
            at += Write("\r\n"u8, at);
        }
        at += Write("\r\n"u8, at);
        json.Span.CopyTo(_request.AsSpan(at));
        at += json.Length;
        await _socket.SendAsync(_request.AsMemory(0, at), SocketFlags.None);
        return await ReadAnswerAsync();
    }

    private int Write(ReadOnlySpan<byte> bytes, int at)
    {
        bytes.CopyTo(_request.AsSpan(at));
        return bytes.Length;
    }

    private async Task<LeanAnswer> ReadAnswerAsync()
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
            await FillAsync();
        var head = _buffer.AsSpan(_start, headEnd);
        // "HTTP/1.1 202 Accepted"
        if (head.Length < 12 || !head.StartsWith("HTTP/1.1 "u8) || !Utf8Parser.TryParse(head[9..12], out int status, out _))
            throw new InvalidDataException($"Not an HTTP/1.1 status line: '{Encoding.ASCII.GetString(head[..Math.Min(head.Length, 60)])}'.");
        _start += headEnd + HeaderEnd.Length;
        byte[] body;
        if (IndexOfIgnoreCase(head, ContentLength) is var lengthAt and >= 0)
        {
            var value = head[(lengthAt + ContentLength.Length)..].TrimStart((byte)' ');
            if (!Utf8Parser.TryParse(value, out int length, out _))
                throw new InvalidDataException("The Content-Length header is not a number.");
            body = await ReadBodyAsync(length);
        }
        else if (IndexOfIgnoreCase(head, Chunked) >= 0)
            body = await ReadChunkedAsync();
        else
            body = [];
        return new LeanAnswer(status, body);
    }

    private async Task<byte[]> ReadBodyAsync(int length)
    {
        while (_end - _start < length)
            await FillAsync();
        var body = _buffer.AsSpan(_start, length).ToArray();
        _start += length;
        return body;
    }

    /// <summary>The chunks of a chunked body, joined: each is a hex size line, the bytes and CRLF; the last has size 0.</summary>
    private async Task<byte[]> ReadChunkedAsync()
    {
        using var body = new MemoryStream();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
                await FillAsync();
            if (!Utf8Parser.TryParse(_buffer.AsSpan(_start, lineEnd), out int size, out _, 'X'))
                throw new InvalidDataException("A chunk's size is not hexadecimal.");
            _start += lineEnd + 2;
            while (_end - _start < size + 2)
                await FillAsync();
            body.Write(_buffer, _start, size);
            _start += size + 2;
            if (size == 0)
                return body.ToArray();
        }
    }

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_end, _start) = (_end - _start, 0);
        }
        if (_end == _buffer.Length)
            Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        if (read == 0)
            throw new InvalidDataException("The server closed the connection in the middle of an answer.");
        _end += read;
    }

    private static int IndexOfIgnoreCase(ReadOnlySpan<byte> head, ReadOnlySpan<byte> lowerCase)
    {
        for (var i = 0; i + lowerCase.Length <= head.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(head.Slice(i, lowerCase.Length), lowerCase))
                return i;
        }
        return -1;
    }

    public void Dispose() => _socket.Dispose();
}
