using System.Text;

namespace Resync.Connectors.Files;

/// <summary>
/// A file that batches are appended to, one batch at a time (batches arrive in parallel), each flushed to
/// disk before the write returns, so that a crash loses at most the batch being written.
/// </summary>
internal sealed class AppendFile(string path) : IAsyncDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private FileStream? _stream;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>Called with <see cref="Path"/> right before the file is opened.</summary>
    public Action<string>? BeforeOpen { get; set; }

    /// <summary>
    /// Runs <paramref name="write"/> alone, with the file open for appending and told whether it was empty;
    /// the text it returns is appended and flushed to disk.
    /// </summary>
    public async Task<T> AppendAsync<T>(Func<bool, StringBuilder, T> write, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_stream is null)
            {
                BeforeOpen?.Invoke(Path);
                var directory = System.IO.Path.GetDirectoryName(Path);
                if (!string.IsNullOrEmpty(directory))
                    Directory.CreateDirectory(directory);
                _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
            }
            var text = new StringBuilder();
            var result = write(_stream.Length == 0, text);
            if (text.Length > 0)
            {
                await _stream.WriteAsync(Utf8.GetBytes(text.ToString()), cancellationToken);
                await _stream.FlushAsync(cancellationToken);
                _stream.Flush(flushToDisk: true);
            }
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stream is not null)
            await _stream.DisposeAsync();
        _gate.Dispose();
    }
}
