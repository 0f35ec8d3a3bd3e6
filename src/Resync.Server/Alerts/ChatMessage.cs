using System.Text.Json.Nodes;

namespace Resync.Server.Alerts;

/// <summary>An alert as a Slack-compatible incoming-webhook message: <c>text</c> (the fallback) and <c>blocks</c> (a header and sections).</summary>
internal static class ChatMessage
{
    public static string Render(AlertPayload alert)
    {
        var subject = AlertText.Subject(alert);
        var body = AlertText.Body(alert);
        var blocks = new JsonArray
        {
            new JsonObject { ["type"] = "header", ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = Limit(subject, 150) } },
            // Section text is at most 3000 characters in Slack's format: a long digest is cut there (the full one is in the API).
            new JsonObject { ["type"] = "section", ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = Limit(Escape(body), 3000) } },
        };
        return new JsonObject { ["text"] = Limit(Escape($"{subject}: {alert.Data.Message}"), 4000), ["blocks"] = blocks }.ToJsonString();
    }

    /// <summary>The three characters Slack's mrkdwn reads as markup (a value could otherwise ping a channel with &lt;!channel&gt;).</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Limit(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
