namespace Resync.Core.Sdk;

/// <summary>
/// A source whose records carry their key in a field the link names (<c>source.keyField</c>). A name that no record has
/// would pass silently (every key empty: retries, dedupe and stale protection lose their way), so the engine checks it
/// against the first page.
/// </summary>
public interface IKeyFieldSource
{
    /// <summary>The field that holds each record's key.</summary>
    string KeyField { get; }
}
