namespace Resync.Cli;

/// <summary>
/// A failure the command reports as one clear message (no stack trace) with its exit code, the problems it lists one a
/// line (a link file's, the server settings'), and a hint.
/// </summary>
internal sealed class CliException(int exitCode, string message, string? hint = null, IReadOnlyList<string>? problems = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public string? Hint { get; } = hint;

    public IReadOnlyList<string> Problems { get; } = problems ?? [];
}
