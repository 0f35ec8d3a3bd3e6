namespace Resync.LinkFiles;

/// <summary>One thing wrong with a link file, and where.</summary>
/// <param name="File">The file's path as given.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Message">What was found and what is allowed.</param>
public sealed record LinkFileProblem(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
