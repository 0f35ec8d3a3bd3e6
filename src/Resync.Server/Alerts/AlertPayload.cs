using Resync.Core.Recovery;

namespace Resync.Server.Alerts;

/// <summary>The JSON body POSTed to a route's webhook, in the Standard Webhooks shape (<c>type</c>, <c>timestamp</c>, <c>data</c>).</summary>
/// <param name="Type">The alert kind, e.g. <c>link-deactivated</c>.</param>
/// <param name="Timestamp">When the alert was raised.</param>
/// <param name="Data">What it is about.</param>
public sealed record AlertPayload(string Type, DateTimeOffset Timestamp, AlertPayloadData Data)
{
    public static AlertPayload From(Alert alert) => new(alert.Kind, alert.At, new AlertPayloadData(
        // A test alert names no link when its route has none.
        string.IsNullOrEmpty(alert.LinkId) ? null : alert.LinkId,
        string.IsNullOrEmpty(alert.Tenant) ? null : alert.Tenant,
        alert.RunId,
        alert.RunId is { } runId ? $"/api/v1/runs/{runId}" : null,
        alert.RequestId,
        alert.Message,
        alert.Error is { } error ? new AlertErrorSummary(error.Code, error.Type.ToString(), error.Message, error.Hint) : null));
}
