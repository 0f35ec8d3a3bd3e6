namespace Resync.Cli;

/// <summary>A failure the command reports as one clear message (no stack trace) with its exit code.</summary>
internal sealed class CliException(int exitCode, string message, string? hint = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string? Hint { get; } = hint;
}
