namespace Resync.Server.Observability;

/// <summary>The JSON-lines file sink's settings, from <c>Logging:File</c>. No <see cref="Path"/>, no sink.</summary>
public sealed record JsonFileSinkOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Logging:File";

    public const long DefaultMaxBytes = 50L * 1024 * 1024;
    public const int DefaultMaxFiles = 5;
    public const int DefaultBufferSize = 10_000;

    /// <summary>The file the events are appended to, one JSON object a line.</summary>
    public string? Path { get; init; }

    /// <summary>When the file reaches this size it is renamed <c>.1</c> (the older ones shift to <c>.2</c>…) and a new one starts. The default is 50 MB.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>How many rotated files are kept besides the current one. The default is 5.</summary>
    public int MaxFiles { get; init; } = DefaultMaxFiles;

    /// <summary>Events waiting to be written at most; beyond it events are dropped and counted. The default is 10000.</summary>
    public int BufferSize { get; init; } = DefaultBufferSize;

    /// <summary>
    /// Checks the path right before the file is opened (a link's file: a symbolic link swapped in since the link was
    /// accepted must not lead out of its reach); throws when it may not be opened. The default checks nothing.
    /// </summary>
    public Action<string>? CheckBeforeOpen { get; init; }

    /// <summary>The settings under <c>Logging:File</c>; throws naming the setting when a value is not a number or out of range.</summary>
    public static JsonFileSinkOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var defaults = new JsonFileSinkOptions();
        return new JsonFileSinkOptions
        {
            Path = section["Path"] is { Length: > 0 } path ? path : null,
            MaxBytes = SinkSettings.Number(section, "MaxBytes", defaults.MaxBytes, 1024, long.MaxValue),
            MaxFiles = (int)SinkSettings.Number(section, "MaxFiles", defaults.MaxFiles, 0, 1000),
            BufferSize = (int)SinkSettings.Number(section, "BufferSize", defaults.BufferSize, 1, 10_000_000),
        };
    }
}
