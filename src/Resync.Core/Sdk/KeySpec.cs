namespace Resync.Core.Sdk;

/// <summary>One allowed key of a link-file section: its type, whether it is required, its default and what it means.</summary>
public sealed record KeySpec(string Name, ValueKind Kind, string Description)
{
    public bool Required { get; init; }

    /// <summary>The default, as documented (null: none).</summary>
    public string? Default { get; init; }

    /// <summary>The only values allowed (Text keys), compared case-insensitively.</summary>
    public IReadOnlyList<string>? Allowed { get; init; }

    /// <summary>
    /// The value names a file (Text keys): it is resolved and checked by the loader's <see cref="ILinkTrust"/> when the link
    /// is read (a server confines it to the tenant's data folder). Every key that names a file must say so.
    /// </summary>
    public bool FilePath { get; init; }

    /// <summary>The nested section's keys (Section keys).</summary>
    public ConfigSchema? Nested { get; init; }

    /// <summary>
    /// The nested key a single value stands for (Section keys): with <c>cron</c>, <c>schedule: "0 2 * * *"</c> reads as
    /// <c>schedule: { cron: "0 2 * * *" }</c>.
    /// </summary>
    public string? Shorthand { get; init; }
}
