using Resync.Connectors.Network;

namespace Resync.Server.Composite;

/// <summary>
/// The HTTP client of the composite endpoints' subrequests, which call this server's own API over loopback with the
/// caller's credentials. It comes from <see cref="IHttpClientFactory"/> (pooled handlers, not a client and its sockets per
/// subrequest), and its primary handler is the outbound network policy's: connections are checked at connect time and
/// redirects are never followed. The policy allows loopback, where this server listens; the caller also checks that a
/// subrequest's URL stays on loopback (<see cref="IsOnLoopback"/>).
/// </summary>
internal static class SubrequestClient
{
    public const string Name = "resync-subrequests";

    private static readonly OutboundNetworkPolicy Policy = new() { AllowLoopback = true };

    public static IServiceCollection AddSubrequestClient(this IServiceCollection services)
    {
        services.AddHttpClient(Name, client => client.Timeout = TimeSpan.FromSeconds(100))
            .ConfigurePrimaryHttpMessageHandler(() => Policy.CreateHandler());
        return services;
    }

    /// <summary>Whether a subrequest's absolute URL is on this server's loopback address.</summary>
    public static bool IsOnLoopback(Uri url, Uri server) =>
        url.IsLoopback && Uri.Compare(url, server, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
}
