namespace Resync.Server.Links;

/// <summary>
/// Which definition of its link a retry or resume runs with, and how that differs from the one the run it recovers ran
/// with. By default the link's current definition (the user fixed the link after the failure); <c>--definition original</c>
/// (API: <c>definition=original</c>) runs with the failed run's own.
/// </summary>
/// <param name="Definition"><see cref="Current"/> or <see cref="Original"/>.</param>
/// <param name="Version">The hash of the definition used.</param>
/// <param name="RunId">The run being recovered.</param>
/// <param name="RunVersion">The hash of the definition that run ran with (null: it ran before versions were kept).</param>
/// <param name="CurrentVersion">The hash of the link's current definition.</param>
/// <param name="Changes">Field by field, what changed from the run's definition to the current one (credentials hidden).</param>
/// <param name="From">Where the current definition was read from, in words (e.g. <c>orders.link.yaml</c>), or null.</param>
public sealed record DefinitionChoice(string Definition, string Version, long RunId, string? RunVersion, string CurrentVersion, IReadOnlyList<string> Changes, string? From)
{
    public const string Current = "current";
    public const string Original = "original";

    /// <summary>Whether <paramref name="value"/> asks for the run's own definition; null means the default (current). Throws on anything else.</summary>
    public static bool IsOriginal(string? value) => value switch
    {
        null or Current => false,
        Original => true,
        _ => throw new ArgumentException($"definition takes '{Current}' (the link's definition now, the default) or '{Original}' (the one the failed run ran with), not '{value}'."),
    };

    /// <summary>What is used and what changed, on one line, as the recovery run's history keeps it.</summary>
    public string Summary => string.Join(" ", Lines().Select(line => line.Trim()));

    /// <summary>What is used and what changed, a line per change, for the terminal.</summary>
    public IReadOnlyList<string> Lines()
    {
        var from = From is null ? "" : $", from {From}";
        var lines = new List<string>();
        if (Definition == Original)
            lines.Add($"Definition: run {RunId}'s own (version {Version}); the link's current definition is version {CurrentVersion}{from}.");
        else if (RunVersion is null)
            lines.Add($"Definition: the link's current one (version {Version}{from}); run {RunId} ran before link versions were kept.");
        else if (RunVersion == Version)
            lines.Add($"Definition: the link's current one (version {Version}{from}), the one run {RunId} ran with.");
        else
            lines.Add($"Definition: the link's current one (version {Version}{from}); run {RunId} ran with version {RunVersion}.");
        if (RunVersion is not null && RunVersion != CurrentVersion)
        {
            lines.Add(Changes.Count == 0 ? $"Changed since run {RunId}: only layout or comments." : $"Changed since run {RunId}:");
            lines.AddRange(Changes.Select(change => "  " + change));
            if (Definition == Current)
                lines.Add($"(--definition original retries with run {RunId}'s own definition.)");
        }
        return lines;
    }
}
