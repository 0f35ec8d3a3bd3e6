using System.Net.Http.Headers;
using System.Text;

namespace Resync.Connectors.Http;

/// <summary>
/// The credentials an HTTP connector sends with every request. Secrets come from the environment
/// (<c>${env:NAME}</c> in link files) and are never part of a page's cursor, an error message or a log.
/// </summary>
public sealed record HttpAuth
{
    private HttpAuth(HttpAuthKind kind, string? name, string? secret, bool inQuery)
    {
        Kind = kind;
        Name = name;
        Secret = secret;
        InQuery = inQuery;
    }

    public static HttpAuth None { get; } = new(HttpAuthKind.None, null, null, false);

    public HttpAuthKind Kind { get; }

    /// <summary>The user (basic) or the header/query parameter name (API key).</summary>
    public string? Name { get; }

    private string? Secret { get; }

    /// <summary>True when the API key goes in the query string rather than a header.</summary>
    public bool InQuery { get; }

    public static HttpAuth Bearer(string token) => new(HttpAuthKind.Bearer, null, Required(token, nameof(token)), false);

    public static HttpAuth Basic(string user, string password) =>
        new(HttpAuthKind.Basic, Required(user, nameof(user)), Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")), false);

    public static HttpAuth ApiKeyHeader(string header, string key) => new(HttpAuthKind.ApiKey, Required(header, nameof(header)), Required(key, nameof(key)), false);

    public static HttpAuth ApiKeyQuery(string parameter, string key) => new(HttpAuthKind.ApiKey, Required(parameter, nameof(parameter)), Required(key, nameof(key)), true);

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => Kind switch
    {
        HttpAuthKind.Basic => $"basic ({Name})",
        HttpAuthKind.ApiKey => $"apiKey ({(InQuery ? "query" : "header")} {Name})",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The URL to send: with the API key added when it goes in the query.</summary>
    internal string ApplyToUrl(string url) => Kind == HttpAuthKind.ApiKey && InQuery ? HttpUrls.WithQuery(url, Name!, Secret) : url;

    internal void ApplyTo(HttpRequestMessage request)
    {
        switch (Kind)
        {
            case HttpAuthKind.Bearer:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
                break;
            case HttpAuthKind.Basic:
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Secret);
                break;
            case HttpAuthKind.ApiKey when !InQuery:
                request.Headers.TryAddWithoutValidation(Name!, Secret);
                break;
        }
    }

    private static string Required(string value, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, name);
        return value;
    }
}
