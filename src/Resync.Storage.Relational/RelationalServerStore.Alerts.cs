using System.Text.Json;
using Dapper;
using Resync.Server;

namespace Resync.Storage.Relational;

/// <summary>Alert routes and their durable outbox: one row per alert and route, with every attempt made.</summary>
public abstract partial class RelationalServerStore
{
    public Task<long> AddAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteScalarAsync<long>(AlertStatements.InsertRoute,
            new { route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds), route.ProtectedSecret,
                Delivery = route.Delivery.ToJson(), CreatedAt = StoredTime.Text(route.CreatedAt) }), cancellationToken);

    public async Task<bool> UpdateAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        await WriteAsync(w => w.ExecuteAsync(AlertStatements.UpdateRoute,
            new { route.Id, route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds),
                Delivery = route.Delivery.ToJson() }), cancellationToken) == 1;

    public async Task<bool> DeleteAlertRouteAsync(long routeId, CancellationToken cancellationToken) =>
        await WriteAsync(async w =>
        {
            await w.ExecuteAsync(AlertStatements.DeleteRouteAttempts, new { routeId });
            await w.ExecuteAsync(AlertStatements.DeleteRouteDeliveries, new { routeId });
            return await w.ExecuteAsync(AlertStatements.DeleteRoute, new { routeId });
        }, cancellationToken) == 1;

    public async Task<AlertRouteRecord?> GetAlertRouteAsync(long routeId, CancellationToken cancellationToken) =>
        (await QuerySingleOrDefaultAsync<RouteRow>($"{AlertStatements.SelectRoutes} WHERE r.id = @routeId", new { routeId }, cancellationToken))?.ToRecord();

    public async Task<IReadOnlyList<AlertRouteRecord>> ListAlertRoutesAsync(CancellationToken cancellationToken) =>
        [.. (await QueryAsync<RouteRow>($"{AlertStatements.SelectRoutes} ORDER BY r.id", null, cancellationToken)).Select(row => row.ToRecord())];

    public Task<IReadOnlyList<long>> AddAlertDeliveriesAsync(IReadOnlyList<AlertDeliveryRecord> deliveries, CancellationToken cancellationToken) =>
        WriteAsync<IReadOnlyList<long>>(async w =>
        {
            var ids = new List<long>(deliveries.Count);
            foreach (var d in deliveries)
                ids.Add(await InsertDeliveryAsync(w, d));
            return ids;
        }, cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListHeldAlertDeliveriesAsync(long routeId, string? tenant, string? linkId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE route_id = @routeId AND status = 'Held' AND tenant IS NOT DISTINCT FROM @tenant " +
            "AND link_id IS NOT DISTINCT FROM @linkId ORDER BY id", new { routeId, tenant, linkId }, cancellationToken);

    public Task<long?> SettleHeldAlertDeliveriesAsync(IReadOnlyList<long> held, AlertDeliveryStatus settledAs, AlertDeliveryRecord? next, CancellationToken cancellationToken) =>
        WriteAsync(async w =>
        {
            await w.ExecuteAsync($"UPDATE alert_deliveries SET status = @status WHERE {Dialect.InList("id", "@held")} AND status = 'Held'",
                new { status = settledAs.ToString(), held = held.ToArray() });
            return next is null ? (long?)null : await InsertDeliveryAsync(w, next);
        }, cancellationToken);

    private static Task<long> InsertDeliveryAsync(RelationalWrite w, AlertDeliveryRecord d) => w.ExecuteScalarAsync<long>(AlertStatements.InsertDelivery,
        new { d.RouteId, d.MessageId, d.Kind, d.Tenant, d.LinkId, d.RunId, d.Payload, Status = d.Status.ToString(), d.CallbackUrl,
            d.ProtectedCallbackSecret, CreatedAt = StoredTime.Text(d.CreatedAt), NextAttemptAt = StoredTime.OptionalText(d.NextAttemptAt) });

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListDueAlertDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE status = 'Pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit",
            new { now = StoredTime.Text(now), limit = (long)limit }, cancellationToken);

    public async Task<DateTimeOffset?> NextAlertDeliveryDueAsync(CancellationToken cancellationToken) =>
        StoredTime.OptionalTime(await QuerySingleOrDefaultAsync<string?>(AlertStatements.NextDeliveryDue, null, cancellationToken));

    public Task RecordAlertAttemptAsync(long deliveryId, AlertDeliveryAttempt attempt, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken)
    {
        var status = attempt.Succeeded ? AlertDeliveryStatus.Delivered : nextAttemptAt is null ? AlertDeliveryStatus.Failed : AlertDeliveryStatus.Pending;
        var at = StoredTime.Text(attempt.At);
        var succeeded = attempt.Succeeded ? 1L : 0L;
        return WriteAsync(async w =>
        {
            await w.ExecuteAsync(AlertStatements.InsertAttempt,
                new { deliveryId, Number = (long)attempt.Number, at, succeeded, StatusCode = (long?)attempt.StatusCode, attempt.Error, attempt.Hint });
            await w.ExecuteAsync(AlertStatements.UpdateDeliveryAfterAttempt,
                new { deliveryId, status = status.ToString(), next = StoredTime.OptionalText(nextAttemptAt), delivered = attempt.Succeeded ? at : null });
            return await w.ExecuteAsync("""
                UPDATE alert_routes SET last_delivery_id = @deliveryId, last_attempt = @Number,
                    consecutive_failures = CASE WHEN @succeeded = 1 THEN 0 ELSE consecutive_failures + 1 END
                WHERE id = (SELECT route_id FROM alert_deliveries WHERE id = @deliveryId)
                """, new { deliveryId, Number = (long)attempt.Number, succeeded });
        }, cancellationToken);
    }

    public async Task<AlertDeliveryRecord?> GetAlertDeliveryAsync(long deliveryId, CancellationToken cancellationToken) =>
        (await QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE id = @deliveryId", new { deliveryId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListAlertDeliveriesAsync(long routeId, int offset, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE route_id = @routeId ORDER BY id DESC LIMIT @limit OFFSET @offset",
            new { routeId, offset = (long)offset, limit = (long)limit }, cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListCallbackDeliveriesAsync(long runId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE run_id = @runId AND callback_url IS NOT NULL ORDER BY id", new { runId }, cancellationToken);

    /// <summary>Deliveries with their attempts (two queries, on one connection: the deliveries, then every attempt of those).</summary>
    private async Task<IReadOnlyList<AlertDeliveryRecord>> QueryDeliveriesAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await _runs.OpenReadAsync(cancellationToken);
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
            return [];
        var attempts = (await connection.QueryAsync<AttemptRow>(new CommandDefinition($"""
            SELECT delivery_id AS DeliveryId, number AS Number, at AS At, succeeded AS Succeeded, status_code AS StatusCode, error AS Error, hint AS Hint
            FROM alert_delivery_attempts WHERE {Dialect.InList("delivery_id", "@ids")} ORDER BY delivery_id, number
            """, new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(a => a.DeliveryId, a => a.ToAttempt()!);
        return [.. rows.Select(r => new AlertDeliveryRecord(r.Id, r.RouteId, r.MessageId, r.Kind, r.Tenant, r.LinkId, r.RunId, r.Payload,
            Enum.Parse<AlertDeliveryStatus>(r.Status), StoredTime.Time(r.CreatedAt), StoredTime.OptionalTime(r.NextAttemptAt), StoredTime.OptionalTime(r.DeliveredAt),
            [.. attempts[r.Id]]) { CallbackUrl = r.CallbackUrl, ProtectedCallbackSecret = r.CallbackSecret })];
    }

    /// <summary>A class, not a positional record: Dapper maps its properties by name, which tolerates SQLite's untyped NULL of the MIN() column.</summary>
    private sealed class RouteRow
    {
        public long Id { get; init; }
        public string? Tenant { get; init; }
        public string Name { get; init; } = "";
        public string Url { get; init; } = "";
        public string? LinkId { get; init; }
        public string Kinds { get; init; } = "[]";
        public string Secret { get; init; } = "";
        public string CreatedAt { get; init; } = "";
        public long ConsecutiveFailures { get; init; }
        public long? Number { get; init; }
        public string? At { get; init; }
        public long? Succeeded { get; init; }
        public long? StatusCode { get; init; }
        public string? Error { get; init; }
        public string? Hint { get; init; }
        public string? NextAttemptAt { get; init; }
        public string? Delivery { get; init; }

        public AlertRouteRecord ToRecord() => new(Id, Tenant, Name, Url, LinkId, JsonSerializer.Deserialize<string[]>(Kinds) ?? [], Secret,
            StoredTime.Time(CreatedAt),
            new AlertRouteHealth(new AttemptRow(Id, Number, At, Succeeded, StatusCode, Error, Hint).ToAttempt(), (int)ConsecutiveFailures,
                StoredTime.OptionalTime(NextAttemptAt)))
        {
            Delivery = AlertRouteDelivery.FromJson(Delivery),
        };
    }

    private sealed record DeliveryRow(long Id, long RouteId, string MessageId, string Kind, string? Tenant, string? LinkId, long? RunId, string Payload,
        string Status, string CreatedAt, string? NextAttemptAt, string? DeliveredAt, string? CallbackUrl, string? CallbackSecret);

    private sealed record AttemptRow(long DeliveryId, long? Number, string? At, long? Succeeded, long? StatusCode, string? Error, string? Hint)
    {
        /// <summary>The attempt, or null for the empty side of an outer join (a route never attempted).</summary>
        public AlertDeliveryAttempt? ToAttempt() => Number is { } number && At is { } at
            ? new AlertDeliveryAttempt((int)number, StoredTime.Time(at), Succeeded == 1, StatusCode is { } code ? (int)code : null, Error, Hint)
            : null;
    }
}
