using System.Text.Json;
using Resync.Core.Observability;
using Resync.Core.Recovery;
using Resync.Core.Storage;

namespace Resync.Server.Alerts;

/// <summary>
/// The server's <see cref="IAlertSink"/>: each alert becomes one outbox row per matching route in the state file (so
/// nothing is lost if the process stops), and <see cref="AlertDeliveryService"/> sends them. Raising never waits for a
/// webhook, so a slow or failing destination cannot hold up runs.
/// </summary>
public sealed class AlertOutbox(IServerStore store, AlertDeliveryService delivery, TimeProvider clock, ILogger<AlertOutbox> logger) : IAlertSink
{
    public async Task RaiseAsync(Alert alert, CancellationToken cancellationToken)
    {
        try
        {
            var routes = (await store.ListAlertRoutesAsync(cancellationToken)).Where(route => Matches(route, alert)).ToList();
            ResyncEvents.AlertQueued(logger, alert.Kind, alert.LinkId, alert.Tenant, alert.RunId, alert.RequestId, alert.Message, routes.Count);
            await EnqueueAsync(alert, routes, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The run's history keeps the alert whatever happens here; the run itself must not fail because of it.
            ResyncEvents.AlertNotStored(logger, exception, alert.Kind, alert.LinkId);
        }
    }

    /// <summary>Stores one delivery of <paramref name="alert"/> per route, due now; returns their ids.</summary>
    public async Task<IReadOnlyList<long>> EnqueueAsync(Alert alert, IReadOnlyList<AlertRouteRecord> routes, CancellationToken cancellationToken)
    {
        if (routes.Count == 0)
            return [];
        var payload = JsonSerializer.Serialize(AlertPayload.From(alert), JsonSerializerOptions.Web);
        var now = clock.GetUtcNow();
        var ids = await store.AddAlertDeliveriesAsync([.. routes.Select(route => new AlertDeliveryRecord(0, route.Id, $"msg_{Guid.NewGuid():N}", alert.Kind,
            NullIfEmpty(alert.Tenant), NullIfEmpty(alert.LinkId), alert.RunId, payload, AlertDeliveryStatus.Pending, now, now, null, []))], cancellationToken);
        delivery.Wake();
        return ids;
    }

    /// <summary>
    /// Stores the callback of an asynchronous push whose run ended as one outbox delivery, due now: sent, signed with the
    /// push's own secret and retried like an alert, and listed under the run (GET /api/v1/runs/{id}/callbacks).
    /// </summary>
    public async Task<long> EnqueueCallbackAsync(StoredPush push, long runId, string payload, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var ids = await store.AddAlertDeliveriesAsync([new AlertDeliveryRecord(0, 0, $"msg_{Guid.NewGuid():N}", PushCallbackKind, push.Tenant, push.LinkId, runId,
            payload, AlertDeliveryStatus.Pending, now, now, null, []) { CallbackUrl = push.CallbackUrl, ProtectedCallbackSecret = push.ProtectedCallbackSecret }],
            cancellationToken);
        delivery.Wake();
        return ids[0];
    }

    /// <summary>The kind of a push callback delivery.</summary>
    public const string PushCallbackKind = "push.finished";

    /// <summary>Whether a route takes an alert: its tenant (or all tenants), its link (or every link), its kinds (or all).</summary>
    public static bool Matches(AlertRouteRecord route, Alert alert) =>
        (route.Tenant is null || string.Equals(route.Tenant, alert.Tenant, StringComparison.Ordinal))
        && (route.LinkId is null || string.Equals(route.LinkId, alert.LinkId, StringComparison.Ordinal))
        && (route.Kinds.Count == 0 || route.Kinds.Contains(alert.Kind, StringComparer.Ordinal));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
