namespace Resync.Connectors.Http;

/// <summary>How an HTTP connector proves who it is.</summary>
public enum HttpAuthKind
{
    /// <summary>No credentials.</summary>
    None,

    /// <summary><c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    Bearer,

    /// <summary><c>Authorization: Basic base64(user:password)</c>.</summary>
    Basic,

    /// <summary>An API key in a header or a query parameter.</summary>
    ApiKey,
}
