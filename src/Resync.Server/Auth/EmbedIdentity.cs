using System.Security.Claims;

namespace Resync.Server.Auth;

/// <summary>The identity of an embedded-view token: a tenant caller, with the token's <see cref="Scope"/> (link, permission, expiry).</summary>
public sealed class EmbedIdentity(ClaimsIdentity claims, EmbedScope scope) : ClaimsIdentity(claims)
{
    public EmbedScope Scope { get; } = scope;

    public override ClaimsIdentity Clone() => new EmbedIdentity(base.Clone(), Scope);
}
