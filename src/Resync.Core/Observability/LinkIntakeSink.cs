using Microsoft.Extensions.Logging;

namespace Resync.Core.Observability;

/// <summary>A link's HTTP intake (<c>logging.http</c>).</summary>
/// <param name="Url">Where batches are posted (absolute http or https).</param>
public sealed record LinkIntakeSink(Uri Url)
{
    /// <summary>Headers sent with every batch (an API key among them, from a secret). The default is none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The <c>service</c> of each event. The default is <c>resync</c>.</summary>
    public string Service { get; init; } = "resync";

    /// <summary>The least level sent. The default is Information (every event of the catalogue).</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>Events waiting to be posted at most; beyond it they are dropped and counted.</summary>
    public int BufferSize { get; init; } = LinkFileSink.DefaultBufferSize;
}
