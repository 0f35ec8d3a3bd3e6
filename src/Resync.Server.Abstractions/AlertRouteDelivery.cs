using System.Text.Json;
using Resync.Core.Recovery;

namespace Resync.Server;

/// <summary>How a route delivers: the body's format, and what it does with alerts raised during automatic recovery.</summary>
/// <param name="Format"><c>webhook</c> (signed Standard Webhooks JSON), <c>slack</c> (a Slack-compatible incoming webhook) or <c>email</c> (a <c>mailto:</c> route, sent over SMTP).</param>
/// <param name="HoldDuringRecovery">Holds the alerts raised while automated replay or the backoff schedule is under way: one digest if it fails, nothing if it succeeds. The default is true.</param>
/// <param name="RecoveredNote">Sends a <c>recovered</c> note when an automatic recovery whose alerts were held got through. The default is false.</param>
public sealed record AlertRouteDelivery(string Format = AlertRouteDelivery.Webhook, bool HoldDuringRecovery = true, bool RecoveredNote = false)
{
    public const string Webhook = AlertDestinations.Webhook;
    public const string Slack = AlertDestinations.Slack;
    public const string Email = AlertDestinations.Email;

    /// <summary>Every format, for validation and documentation.</summary>
    public static IReadOnlyList<string> Formats => AlertDestinations.Formats;

    /// <summary>
    /// The link whose definition declares the route (its <c>alerts:</c> section); null for a route made through the API. Such a
    /// route follows its link (replaced when the link is, removed with it) and is not changed through the API. Kept with the
    /// delivery settings so that it travels in the same stored column.
    /// </summary>
    public string? DeclaredBy { get; init; }

    public static AlertRouteDelivery Default { get; } = new();

    /// <summary>As stored (one JSON column in both stores).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonSerializerOptions.Web);

    /// <summary>From the stored JSON; a route stored before these settings existed has the defaults.</summary>
    public static AlertRouteDelivery FromJson(string? json) =>
        string.IsNullOrEmpty(json) ? Default : JsonSerializer.Deserialize<AlertRouteDelivery>(json, JsonSerializerOptions.Web) ?? Default;
}
