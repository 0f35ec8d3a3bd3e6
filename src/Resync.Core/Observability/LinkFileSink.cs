using Microsoft.Extensions.Logging;

namespace Resync.Core.Observability;

/// <summary>A link's JSON-lines file (<c>logging.file</c>).</summary>
/// <param name="Path">The full path, already checked against what the link may reach.</param>
public sealed record LinkFileSink(string Path)
{
    public const int DefaultBufferSize = 10_000;
    public const long DefaultMaxBytes = 50L * 1024 * 1024;
    public const int DefaultMaxFiles = 5;

    /// <summary>When the file reaches this size it is rotated to <c>.1</c>. The default is 50 MB.</summary>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>Rotated files kept besides the current one. The default is 5.</summary>
    public int MaxFiles { get; init; } = DefaultMaxFiles;

    /// <summary>The least level written. The default is Information (every event of the catalogue).</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Events waiting to be written at most; beyond it they are dropped and counted.</summary>
    public int BufferSize { get; init; } = DefaultBufferSize;

    /// <summary>
    /// Checks the path again right before the file is opened (a symbolic link swapped in since the link was accepted must
    /// not lead out); throws when it may no longer be. The default checks nothing.
    /// </summary>
    public Action<string> CheckBeforeOpen { get; init; } = static _ => { };
}
