using Resync.Core.Storage;
using Resync.Dashboard;

namespace Resync.Server.Auth;

/// <summary>Who the authenticated caller of a request is, from the claims of its scheme (<see cref="ResyncAuthentication"/>).</summary>
public static class HttpContextCaller
{
    /// <summary>The authenticated caller of this request.</summary>
    public static Caller Caller(this HttpContext http) =>
        ResyncClaims.User(http.User) is { } user
            ? new Caller(user.KeyPrefix, user.IsOperator ? ApiKeyScope.Operator : ApiKeyScope.Tenant, user.Tenant)
            : throw new InvalidOperationException("The endpoint does not require the API policy: there is no authenticated caller.");

    /// <summary>The embedded-view scope of this request, or null when it came with a key or a session.</summary>
    public static EmbedScope? EmbedScope(this HttpContext http) => http.User.Identities.OfType<EmbedIdentity>().FirstOrDefault()?.Scope;
}
