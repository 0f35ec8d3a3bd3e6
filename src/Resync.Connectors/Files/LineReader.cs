using System.Text;

namespace Resync.Connectors.Files;

/// <summary>
/// Reads a UTF-8 text file line by line from any byte offset, knowing each line's offset and number, with a
/// fixed-size buffer (it grows only for a single line longer than the buffer). A UTF-8 byte order mark at the
/// start of the file is skipped. Lines read too far can be pushed back (CSV recovery after a broken quote).
/// </summary>
internal sealed class LineReader : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly UTF8Encoding Lenient = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly FileStream _stream;
    private readonly Stack<FileLine> _pushedBack = new();
    private byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private int _scanned;
    private bool _endOfFile;
    private long _offset;
    private long _number;

    private LineReader(FileStream stream, long offset, long number)
    {
        _stream = stream;
        _offset = offset;
        _number = number;
    }

    /// <summary>The byte offset of the next line to be read.</summary>
    public long NextOffset => _pushedBack.Count > 0 ? _pushedBack.Peek().Offset : _offset;

    /// <summary>The number of the next line to be read.</summary>
    public long NextNumber => _pushedBack.Count > 0 ? _pushedBack.Peek().Number : _number;

    /// <summary>Opens the file at a line's start. Offset 0 skips a byte order mark.</summary>
    public static async Task<LineReader> OpenAsync(string path, long offset, long number, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
        {
            throw FileErrors.NotFound(path, exception);
        }

        try
        {
            if (offset == 0)
            {
                var bom = new byte[3];
                var read = await stream.ReadAtLeastAsync(bom, 3, throwOnEndOfStream: false, cancellationToken);
                offset = read == 3 && bom[0] == 0xEF && bom[1] == 0xBB && bom[2] == 0xBF ? 3 : 0;
            }
            if (offset > stream.Length)
                throw new ArgumentOutOfRangeException(nameof(offset), $"offset {offset} is past the end of '{path}' ({stream.Length} bytes): the file was changed since the page was read");
            stream.Seek(offset, SeekOrigin.Begin);
            return new LineReader(stream, offset, number);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The next line, or null at the end of the file.</summary>
    public async ValueTask<FileLine?> ReadLineAsync(CancellationToken cancellationToken)
    {
        if (_pushedBack.Count > 0)
            return _pushedBack.Pop();
        while (true)
        {
            var found = _buffer.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (found >= 0)
            {
                var newline = _scanned + found;
                return Take(newline - _start, newline + 1 - _start);
            }
            _scanned = _end;
            if (_endOfFile)
                return _start == _end ? null : Take(_end - _start, _end - _start);

            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _scanned -= _start;
                _start = 0;
            }
            else if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
                _endOfFile = true;
            else
                _end += read;
        }
    }

    /// <summary>Makes a line read too far the next one again. Lines pushed back come out last in, first out.</summary>
    public void PushBack(FileLine line) => _pushedBack.Push(line);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    private FileLine Take(int length, int consumed)
    {
        var bytes = _buffer.AsSpan(_start, length);
        if (bytes.Length > 0 && bytes[^1] == (byte)'\r')
            bytes = bytes[..^1];
        string text;
        var valid = true;
        try
        {
            text = Strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = Lenient.GetString(bytes);
            valid = false;
        }
        var line = new FileLine(_offset, _number, text, valid);
        _start += consumed;
        _scanned = _start;
        _offset += consumed;
        _number++;
        return line;
    }
}
