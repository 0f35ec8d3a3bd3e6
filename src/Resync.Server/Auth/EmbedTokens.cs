using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Resync.Server.Auth;

/// <summary>
/// Signed, expiring tokens for the embeddable view: the scope, encrypted and signed with the server's Data Protection
/// key ring (so it cannot be read or changed), its expiry checked against the server's clock.
/// </summary>
public sealed class EmbedTokens(IDataProtectionProvider protection, TimeProvider clock)
{
    public const string Scheme = "Embed";

    /// <summary>The longest a token may live: a partner's page asks for new ones, a leaked one dies soon.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    private readonly IDataProtector _protector = protection.CreateProtector("Resync.Embed.v1");

    public string Create(EmbedScope scope) => _protector.Protect(JsonSerializer.Serialize(scope));

    /// <summary>The scope of a valid, unexpired token; else null and why.</summary>
    public EmbedScope? Read(string token, out string? problem)
    {
        EmbedScope? scope;
        try
        {
            scope = JsonSerializer.Deserialize<EmbedScope>(_protector.Unprotect(token));
        }
        catch (Exception exception) when (exception is CryptographicException or JsonException or FormatException)
        {
            problem = "The embedded-view token is not valid: it was not made by this server, or it was changed.";
            return null;
        }
        if (scope is null || clock.GetUtcNow() >= scope.ExpiresAt)
        {
            problem = $"The embedded-view token expired at {scope?.ExpiresAt:u}; ask for a new one.";
            return null;
        }
        problem = null;
        return scope;
    }
}
