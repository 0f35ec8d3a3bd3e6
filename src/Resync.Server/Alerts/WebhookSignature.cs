using System.Security.Cryptography;
using System.Text;

namespace Resync.Server.Alerts;

/// <summary>
/// Standard Webhooks signing: a secret <c>whsec_</c> + base64 of 32 random bytes, and
/// <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" keyed by the secret's bytes&gt;</c>.
/// </summary>
public static class WebhookSignature
{
    public const string SecretPrefix = Core.Recovery.AlertDestinations.SecretPrefix;

    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The <c>webhook-signature</c> header value for one message.</summary>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var key = Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        var hash = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(hash);
    }
}
