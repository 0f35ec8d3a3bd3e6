using System.Net.Mail;

namespace Resync.Core.Recovery;

/// <summary>
/// Where alert routes may deliver, and the checks a destination must pass, whichever way the route was declared
/// (the API or a link file's <c>alerts:</c> section).
/// </summary>
public static class AlertDestinations
{
    /// <summary>The signed Standard Webhooks JSON body.</summary>
    public const string Webhook = "webhook";

    /// <summary>A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat).</summary>
    public const string Slack = "slack";

    /// <summary>E-mail over the server's SMTP server: the URL is <c>mailto:</c> and the addresses.</summary>
    public const string Email = "email";

    /// <summary>Every format, for validation and documentation.</summary>
    public static IReadOnlyList<string> Formats { get; } = [Webhook, Slack, Email];

    /// <summary>The most addresses one e-mail route names.</summary>
    public const int MaxRecipients = 20;

    /// <summary>The prefix of a signing secret, followed by the base64 of its bytes.</summary>
    public const string SecretPrefix = "whsec_";

    /// <summary>
    /// Whether <paramref name="text"/> is one e-mail address and nothing else: no display name, no second address, no line
    /// break (which would let a value add a header to the message).
    /// </summary>
    public static bool IsEmailAddress(string text) =>
        MailAddress.TryCreate(text, out var parsed) && parsed.Address == text && parsed.DisplayName.Length == 0;

    /// <summary>The <c>mailto:</c> URL of these addresses.</summary>
    public static string MailTo(IEnumerable<string> addresses) => $"mailto:{string.Join(",", addresses)}";

    /// <summary>The URL of a webhook or chat route when <paramref name="text"/> is an absolute http or https URL without credentials; else why not.</summary>
    public static (Uri? Url, string? Problem) WebUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            return (null, $"must be an absolute http or https URL; found '{Errors.SecretText.Mask(text)}'");
        // Route URLs are stored and shown as they are; deliveries are signed with the route's secret instead.
        if (url.UserInfo.Length > 0)
            return (null, "may not carry credentials (user:password@); the receiver verifies the webhook-signature header instead");
        return (url, null);
    }

    /// <summary>Whether <paramref name="secret"/> has the shape of a signing secret: the prefix and at least 24 base64 bytes.</summary>
    public static bool IsSecret(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            return false;
        var bytes = new byte[secret.Length];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], bytes, out var count) && count >= 24;
    }
}
