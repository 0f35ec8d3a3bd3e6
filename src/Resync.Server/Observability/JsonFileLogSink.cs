using System.Text.Json;

namespace Resync.Server.Observability;

/// <summary>
/// Appends every log event (at the levels of <c>Logging:File:LogLevel</c>, else <c>Logging:LogLevel</c>) to a file as one
/// JSON object a line (<see cref="LogEventJson"/>), rotating it by size. Written in the background: a slow disk never
/// slows a run.
/// </summary>
[ProviderAlias("File")]
public sealed class JsonFileLogSink : BufferedLogSink
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();
    private readonly JsonFileSinkOptions _options;
    private readonly string _path;
    private FileStream? _file;

    /// <param name="tenant">The tenant of a link's own file (its events only), or null for the host's.</param>
    public JsonFileLogSink(JsonFileSinkOptions options, TimeProvider clock, string? tenant = null) : base("file", options.BufferSize, clock, tenant)
    {
        _options = options;
        _path = System.IO.Path.GetFullPath(options.Path ?? throw new ArgumentException("The file sink needs a path (Logging:File:Path).", nameof(options)));
        // A link's folder is made once its path is checked again, when the file is opened.
        if (options.CheckBeforeOpen is null)
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        Start();
    }

    protected override async Task WriteAsync(IReadOnlyList<LogEvent> batch)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            foreach (var entry in batch)
            {
                LogEventJson.Write(writer, entry);
                await writer.FlushAsync();
                buffer.Write(NewLine);
                writer.Reset();
            }
        }
        var file = Open();
        if (file.Length > 0 && file.Length + buffer.Length > _options.MaxBytes)
            file = Rotate();
        buffer.Position = 0;
        await buffer.CopyToAsync(file);
        await file.FlushAsync();
    }

    private FileStream Open()
    {
        if (_file is not null)
            return _file;
        if (_options.CheckBeforeOpen is { } check)
        {
            check(_path);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
        }
        return _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <summary>Renames the file to <c>.1</c>, shifting older ones up and deleting the oldest, and starts a new one.</summary>
    private FileStream Rotate()
    {
        _file?.Dispose();
        _file = null;
        for (var number = _options.MaxFiles; number >= 1; number--)
        {
            var from = number == 1 ? _path : $"{_path}.{number - 1}";
            if (File.Exists(from))
                File.Move(from, $"{_path}.{number}", overwrite: true);
        }
        if (_options.MaxFiles == 0)
            File.Delete(_path);
        return Open();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
            _file?.Dispose();
    }
}
