using Resync.Core.Links;

namespace Resync.Server.Links;

/// <summary>A link the server knows: built, with its document (kept in memory only; stored encrypted) and where it came from.</summary>
/// <param name="Link">The runnable link.</param>
/// <param name="Document">Its YAML document, credentials included: never returned as is (see <see cref="LinkDocuments.Redact"/>).</param>
/// <param name="Origin"><c>file</c> (from the links folder) or <c>api</c> (created through the API).</param>
/// <param name="File">The link file, for links from the folder.</param>
public sealed record LinkEntry(Link Link, string Document, string Origin, string? File)
{
    public string Id => Link.Id;

    /// <summary>The settings as the document gives them (the link's own may differ by a replay settings override).</summary>
    public LinkSettings DocumentSettings { get; init; } = Link.Settings;

    public string Tenant => Link.Tenant;
}
