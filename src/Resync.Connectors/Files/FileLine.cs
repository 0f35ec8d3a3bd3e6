namespace Resync.Connectors.Files;

/// <summary>One physical line of a text file: where it starts (bytes from the file's start), its number (1-based) and its text without the line break.</summary>
/// <param name="Offset">The byte offset of the line's first byte.</param>
/// <param name="Number">The line number, 1-based.</param>
/// <param name="Text">The text, decoded as UTF-8, without <c>\n</c> or <c>\r\n</c>.</param>
/// <param name="IsValidUtf8">False when the bytes are not valid UTF-8 (the text then holds replacement characters).</param>
internal readonly record struct FileLine(long Offset, long Number, string Text, bool IsValidUtf8);
