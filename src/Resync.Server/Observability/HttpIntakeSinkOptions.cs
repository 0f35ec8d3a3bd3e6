namespace Resync.Server.Observability;

/// <summary>The HTTP intake sink's settings, from <c>Logging:Intake</c>. No <see cref="Url"/>, no sink.</summary>
public sealed record HttpIntakeSinkOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Logging:Intake";

    /// <summary>Where batches of events are posted, e.g. <c>https://http-intake.logs.datadoghq.eu/api/v2/logs</c>.</summary>
    public Uri? Url { get; init; }

    /// <summary>The key sent in <see cref="ApiKeyHeader"/>, if any.</summary>
    public string? ApiKey { get; init; }

    /// <summary>The header that carries <see cref="ApiKey"/>. The default is Datadog's, <c>DD-API-KEY</c>.</summary>
    public string ApiKeyHeader { get; init; } = "DD-API-KEY";

    /// <summary>Other headers sent with every batch (a link's intake). The default is none.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The <c>service</c> of each event. The default is <c>resync</c>.</summary>
    public string Service { get; init; } = "resync";

    /// <summary>Events waiting to be posted at most; beyond it (the intake is down or slow) events are dropped and counted. The default is 10000.</summary>
    public int BufferSize { get; init; } = JsonFileSinkOptions.DefaultBufferSize;

    /// <summary>The first wait before posting a batch again after a failure; it doubles up to a minute. The default is 1 second.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The settings under <c>Logging:Intake</c>; throws naming the setting when a value is wrong.</summary>
    public static HttpIntakeSinkOptions Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        var defaults = new HttpIntakeSinkOptions();
        Uri? url = null;
        if (section["Url"] is { Length: > 0 } text
            && (!Uri.TryCreate(text, UriKind.Absolute, out url) || url.Scheme is not ("http" or "https")))
            throw new InvalidOperationException($"{SectionName}:Url must be an absolute http(s) URL; found '{text}'.");
        return new HttpIntakeSinkOptions
        {
            Url = url,
            ApiKey = section["ApiKey"] is { Length: > 0 } key ? key : null,
            ApiKeyHeader = section["ApiKeyHeader"] is { Length: > 0 } header ? header : defaults.ApiKeyHeader,
            Service = section["Service"] is { Length: > 0 } service ? service : defaults.Service,
            BufferSize = (int)SinkSettings.Number(section, "BufferSize", defaults.BufferSize, 1, 10_000_000),
            RetryDelay = TimeSpan.FromMilliseconds(SinkSettings.Number(section, "RetryDelayMs", (long)defaults.RetryDelay.TotalMilliseconds, 1, 60_000)),
        };
    }
}
