using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Connectors.Http;

/// <summary>An HTTP JSON source with an item URL: it can also fetch one record's current version by its key.</summary>
internal sealed class KeyedHttpJsonSource(HttpJsonSource source) : ISource, IKeyedSource, IResumableSource, IKeyFieldSource, IDisposable
{
    public HttpJsonSource Source => source;

    public string KeyField => source.KeyField;

    public IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, CancellationToken cancellationToken) => source.ReadAsync(context, cancellationToken);

    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        source.ReadAfterAsync(cursor, context, cancellationToken);

    public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        source.FetchPageAsync(cursor, context, cancellationToken);

    public Task<Record?> FetchByKeyAsync(string key, SourceContext context, CancellationToken cancellationToken) =>
        source.FetchByKeyAsync(key, context, cancellationToken);

    public void Dispose() => source.Dispose();
}
