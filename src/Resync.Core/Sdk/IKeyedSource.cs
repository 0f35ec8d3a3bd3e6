using Resync.Core.Records;

namespace Resync.Core.Sdk;

/// <summary>
/// A source that can fetch one record's current version by its key. Retries use it to replace a stale
/// snapshot with what the source holds now (stale retry protection).
/// </summary>
public interface IKeyedSource
{
    /// <summary>The record as the source holds it now, or null when it no longer exists.</summary>
    Task<Record?> FetchByKeyAsync(string key, SourceContext context, CancellationToken cancellationToken);
}
