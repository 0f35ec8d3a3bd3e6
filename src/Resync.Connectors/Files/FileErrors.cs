using Resync.Core.Errors;

namespace Resync.Connectors.Files;

/// <summary>The errors the file connectors raise, classified where they are made.</summary>
internal static class FileErrors
{
    /// <summary>A line that cannot be read as a record: a Data record error naming the line.</summary>
    public static ErrorClassification MalformedLine(long number, string problem) =>
        new(ErrorType.Data, Durability.Durable, ErrorCodes.MalformedLine, $"line {number}: {problem}",
            $"Fix line {number} of the file, then run the link again: a line the source could not read has no values to retry from.");

    /// <summary>The file is missing: the run cannot start (durable until someone puts it there).</summary>
    public static ResyncException NotFound(string path, Exception inner) =>
        new(new ErrorClassification(ErrorType.Runtime, Durability.Durable, ErrorCodes.FileNotFound,
            $"the file '{path}' does not exist", "Check the link's 'path' (relative paths start at the link file's folder)."), inner);

    /// <summary>The file's header cannot be used: the run cannot start.</summary>
    public static ResyncException BadHeader(string path, string problem) =>
        new(new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.MalformedLine,
            $"the header of '{path}' cannot be used: {problem}", "Fix the file's first line, or set 'header: false' and name the columns."));

    /// <summary>The fields kept of a record the source could not read: its line number and raw text.</summary>
    public static Dictionary<string, object?> Raw(FileLine line) => new(2, StringComparer.Ordinal)
    {
        ["line"] = line.Number,
        ["raw"] = line.Text,
    };
}
