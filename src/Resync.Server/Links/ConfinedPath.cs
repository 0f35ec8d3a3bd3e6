namespace Resync.Server.Links;

/// <summary>Path checks for confining links: the written form of a path value, and where a path really leads.</summary>
public static class ConfinedPath
{
    private const int MaxLinkDepth = 40;

    // Characters that read as a dot or a slash, or become one under compatibility normalisation (NFKC), which some
    // layers apply (the server runs with invariant globalization, so the table is ours rather than Normalize's).
    private const string Lookalikes = "\u2024\u2025\u2026\uFE52\uFF0E\u3002\uFF61\u2215\u2044\uFF0F\u29F8\uFE68\uFF3C\u29F9\u2216";
    private static readonly string[] LookalikeOf = [".", "..", "...", ".", ".", ".", ".", "/", "/", "/", "/", "\\", "\\", "\\", "\\"];

    private static readonly StringComparison Comparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// Why a path value from a tenant's link is refused as written (null: it may be resolved): control characters, URIs,
    /// percent-encoding, characters that read as a dot or a slash, and <c>..</c> segments.
    /// </summary>
    public static string? RefuseWritten(string value)
    {
        if (value.Any(char.IsControl))
            return "it contains a NUL byte or another control character";
        if (value.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || (value.IndexOf(':') is > 1 and var colon && value[..colon].All(IsSchemeChar)))
            return "it is a URI; give a path relative to the tenant's data folder";
        for (var i = 0; i + 2 < value.Length; i++)
        {
            if (value[i] == '%' && Uri.IsHexDigit(value[i + 1]) && Uri.IsHexDigit(value[i + 2]))
                return $"it contains the percent-encoding '{value.Substring(i, 3)}'; paths are taken literally, write the character itself";
        }
        foreach (var c in value)
        {
            if (c > '\x7f' && Lookalikes.IndexOf(c) is >= 0 and var at)
                return $"it contains U+{(int)c:X4}, which reads as '{LookalikeOf[at]}'; use plain ASCII '.' and '/' only";
        }
        if (value.Split('/', '\\').Any(segment => segment == ".."))
            return "it contains '..'; a link may not leave its tenant's data folder";
        return null;
    }

    /// <summary>
    /// Where a full path really leads: every symbolic link on the way (the file itself and each folder above it)
    /// followed to its final target. Parts that do not exist yet are kept as written.
    /// </summary>
    public static string RealPath(string fullPath) => RealPath(Path.GetFullPath(fullPath), 0);

    private static string RealPath(string fullPath, int depth)
    {
        var root = Path.GetPathRoot(fullPath) ?? "/";
        var current = root;
        foreach (var part in fullPath[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            // LinkTarget is set for a link whose target is missing too: a dangling link may still lead out when a file is created.
            if (info.LinkTarget is { } target)
            {
                if (depth >= MaxLinkDepth)
                    throw new IOException($"too many levels of symbolic links at '{next}'");
                var resolved = Path.GetFullPath(target, current);
                next = RealPath(resolved, depth + 1);
            }
            current = next;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or inside it.</summary>
    public static bool Within(string path, string folder)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(folder);
        return string.Equals(path, trimmed, Comparison)
            || (path.StartsWith(trimmed, Comparison) && path.Length > trimmed.Length && path[trimmed.Length] == Path.DirectorySeparatorChar);
    }

    public static bool Same(string one, string other) => string.Equals(one, other, Comparison);

    private static bool IsSchemeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.';
}
