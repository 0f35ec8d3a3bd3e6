using System.Text;

namespace Resync.Server.Alerts;

/// <summary>An alert in words, for people (chat messages and e-mail): one subject line and a body, a digest's held alerts listed.</summary>
internal static class AlertText
{
    public static string Subject(AlertPayload alert) =>
        $"[Resync] {alert.Type}{(alert.Data.LinkId is { } link ? $" · {link}" : "")}{(alert.Data.Tenant is { } tenant ? $" ({tenant})" : "")}";

    public static string Body(AlertPayload alert)
    {
        var text = new StringBuilder().AppendLine(alert.Data.Message);
        if (alert.Data.Error is { } error)
            text.AppendLine().Append(error.Type).Append(' ').Append(error.Code).Append(": ").AppendLine(error.Message).AppendLine(error.Hint);
        if (alert.Data.RunUrl is { } run)
            text.AppendLine().Append("Run: ").AppendLine(run);
        if (alert.Data.Held is { Count: > 0 } held)
        {
            text.AppendLine().AppendLine($"While automatic recovery was under way ({held.Count} alert{(held.Count == 1 ? "" : "s")} held):");
            foreach (var item in held)
                text.Append("- ").Append(item.Timestamp.ToString("u", System.Globalization.CultureInfo.InvariantCulture)).Append(' ').Append(item.Type).Append(": ").AppendLine(item.Data.Message);
        }
        return text.ToString().TrimEnd();
    }
}
