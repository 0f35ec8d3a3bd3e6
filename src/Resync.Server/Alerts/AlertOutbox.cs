using System.Text.Json;
using Resync.Core.Observability;
using Resync.Core.Recovery;
using Resync.Core.Storage;

namespace Resync.Server.Alerts;

/// <summary>
/// The server's <see cref="IAlertSink"/>: each alert becomes one outbox row per matching route in the state file (so
/// nothing is lost if the process stops), and <see cref="AlertDeliveryService"/> sends them. Raising never waits for a
/// webhook, so a slow or failing destination cannot hold up runs. Alerts about an automatic recovery are held per route
/// (see <see cref="AlertRecovery"/>), in the same outbox, so a held alert survives a restart too.
/// </summary>
public sealed class AlertOutbox(IServerStore store, AlertDeliveryService delivery, TimeProvider clock, ILogger<AlertOutbox> logger,
    DeclaredAlertRoutes? declared = null) : IAlertSink
{
    public async Task RaiseAsync(Alert alert, CancellationToken cancellationToken)
    {
        try
        {
            // The routes the link declares in its definition, as the link is now.
            if (declared is not null && alert.LinkId.Length > 0)
                await declared.SyncAsync(alert.LinkId, cancellationToken);
            var routes = (await store.ListAlertRoutesAsync(cancellationToken)).Where(route => Matches(route, alert)).ToList();
            ResyncEvents.AlertQueued(logger, alert.Kind, alert.LinkId, alert.Tenant, alert.RunId, alert.RequestId, alert.Message, routes.Count);
            if (alert.Recovery == AlertRecovery.None)
            {
                await EnqueueAsync(alert, routes, cancellationToken);
                return;
            }
            foreach (var route in routes)
                await RaiseDuringRecoveryAsync(alert, route, cancellationToken);
            delivery.Wake();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The run's history keeps the alert whatever happens here; the run itself must not fail because of it.
            ResyncEvents.AlertNotStored(logger, exception, alert.Kind, alert.LinkId);
        }
    }

    /// <summary>
    /// An alert about an automatic recovery, for one route: held while the recovery is under way; when it fails, sent as one
    /// digest with what was held; when it succeeds, the held ones are dropped (and a note sent where the route asks).
    /// A route that does not hold gets each alert at once, and the note only if it asks.
    /// </summary>
    private async Task RaiseDuringRecoveryAsync(Alert alert, AlertRouteRecord route, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!route.Delivery.HoldDuringRecovery)
        {
            if (alert.Recovery != AlertRecovery.Succeeded || route.Delivery.RecoveredNote)
                await store.AddAlertDeliveriesAsync([Delivery(alert, route, Payload(alert), AlertDeliveryStatus.Pending, now)], cancellationToken);
            return;
        }
        if (alert.Recovery == AlertRecovery.InProgress)
        {
            await store.AddAlertDeliveriesAsync([Delivery(alert, route, Payload(alert), AlertDeliveryStatus.Held, null)], cancellationToken);
            return;
        }
        var held = await store.ListHeldAlertDeliveriesAsync(route.Id, NullIfEmpty(alert.Tenant), NullIfEmpty(alert.LinkId), cancellationToken);
        if (alert.Recovery == AlertRecovery.Failed)
        {
            var digest = AlertPayload.From(alert);
            digest = digest with { Data = digest.Data with { Held = [.. held.Select(h => JsonSerializer.Deserialize<AlertPayload>(h.Payload, JsonSerializerOptions.Web)!)] } };
            await store.SettleHeldAlertDeliveriesAsync([.. held.Select(h => h.Id)], AlertDeliveryStatus.Digested,
                Delivery(alert, route, JsonSerializer.Serialize(digest, JsonSerializerOptions.Web), AlertDeliveryStatus.Pending, now), cancellationToken);
            return;
        }
        // Recovered: nothing was held (nobody would have heard of a failure), nothing to say.
        if (held.Count == 0)
            return;
        await store.SettleHeldAlertDeliveriesAsync([.. held.Select(h => h.Id)], AlertDeliveryStatus.Withdrawn,
            route.Delivery.RecoveredNote ? Delivery(alert, route, Payload(alert), AlertDeliveryStatus.Pending, now) : null, cancellationToken);
    }

    /// <summary>Stores one delivery of <paramref name="alert"/> per route, due now; returns their ids.</summary>
    public async Task<IReadOnlyList<long>> EnqueueAsync(Alert alert, IReadOnlyList<AlertRouteRecord> routes, CancellationToken cancellationToken)
    {
        if (routes.Count == 0)
            return [];
        var payload = Payload(alert);
        var now = clock.GetUtcNow();
        var ids = await store.AddAlertDeliveriesAsync([.. routes.Select(route => Delivery(alert, route, payload, AlertDeliveryStatus.Pending, now))], cancellationToken);
        delivery.Wake();
        return ids;
    }

    private static string Payload(Alert alert) => JsonSerializer.Serialize(AlertPayload.From(alert), JsonSerializerOptions.Web);

    private AlertDeliveryRecord Delivery(Alert alert, AlertRouteRecord route, string payload, AlertDeliveryStatus status, DateTimeOffset? due) =>
        new(0, route.Id, $"msg_{Guid.NewGuid():N}", alert.Kind, NullIfEmpty(alert.Tenant), NullIfEmpty(alert.LinkId), alert.RunId, payload, status,
            clock.GetUtcNow(), due, null, []);

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
