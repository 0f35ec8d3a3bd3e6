using System.Globalization;

namespace Resync.Connectors.Files;

/// <summary>
/// Where a page of a file starts: the byte offset of its first line and that line's number, written
/// <c>offset:line</c> (e.g. <c>1048576:20001</c>). The offset lets a page be read again without reading
/// what comes before it; the number keeps the line numbers in error messages right.
/// </summary>
internal readonly record struct FileCursor(long Offset, long Line)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Offset}:{Line}");

    public static FileCursor Parse(string cursor)
    {
        var parts = cursor.Split(':');
        if (parts.Length == 2
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var line)
            && line >= 1)
        {
            return new FileCursor(offset, line);
        }
        throw new ArgumentException($"'{cursor}' is not a file page cursor (expected offset:line, e.g. 0:2)", nameof(cursor));
    }
}
