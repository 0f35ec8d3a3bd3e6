using System.Text.Json;
using Dapper;
using Resync.Server;
using Resync.Storage.Relational;

namespace Resync.Storage.Postgres;

/// <summary>Alert routes and their durable outbox: one row per alert and route, with every attempt made.</summary>
public sealed partial class PostgresServerStore
{
    public Task<long> AddAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        runs.WriteAsync((c, t) => c.ExecuteScalarAsync<long>(AlertStatements.InsertRoute,
            new { route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds), route.ProtectedSecret,
                Delivery = route.Delivery.ToJson(),
                CreatedAt = Text(route.CreatedAt) }, t), cancellationToken);

    public async Task<bool> UpdateAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        await runs.WriteAsync((c, t) => c.ExecuteAsync(AlertStatements.UpdateRoute,
            new { route.Id, route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds),
                Delivery = route.Delivery.ToJson() }, t), cancellationToken) == 1;

    public async Task<bool> DeleteAlertRouteAsync(long routeId, CancellationToken cancellationToken) =>
        await runs.WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(AlertStatements.DeleteRouteAttempts, new { routeId }, t);
            await c.ExecuteAsync(AlertStatements.DeleteRouteDeliveries, new { routeId }, t);
            return await c.ExecuteAsync(AlertStatements.DeleteRoute, new { routeId }, t);
        }, cancellationToken) == 1;

    public async Task<AlertRouteRecord?> GetAlertRouteAsync(long routeId, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<RouteRow>(
            new CommandDefinition($"{AlertStatements.SelectRoutes} WHERE r.id = @routeId", new { routeId }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<AlertRouteRecord>> ListAlertRoutesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RouteRow>(new CommandDefinition($"{AlertStatements.SelectRoutes} ORDER BY r.id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToRecord())];
    }

    public Task<IReadOnlyList<long>> AddAlertDeliveriesAsync(IReadOnlyList<AlertDeliveryRecord> deliveries, CancellationToken cancellationToken) =>
        runs.WriteAsync<IReadOnlyList<long>>(async (c, t) =>
        {
            var ids = new List<long>(deliveries.Count);
            foreach (var d in deliveries)
                ids.Add(await InsertDeliveryAsync(c, t, d));
            return ids;
        }, cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListHeldAlertDeliveriesAsync(long routeId, string? tenant, string? linkId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE route_id = @routeId AND status = 'Held' AND tenant IS NOT DISTINCT FROM @tenant " +
            "AND link_id IS NOT DISTINCT FROM @linkId ORDER BY id", new { routeId, tenant, linkId }, cancellationToken);

    public Task<long?> SettleHeldAlertDeliveriesAsync(IReadOnlyList<long> held, AlertDeliveryStatus settledAs, AlertDeliveryRecord? next, CancellationToken cancellationToken) =>
        runs.WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync("UPDATE alert_deliveries SET status = @status WHERE id = ANY(@held) AND status = 'Held'",
                new { status = settledAs.ToString(), held = held.ToArray() }, t);
            return next is null ? (long?)null : await InsertDeliveryAsync(c, t, next);
        }, cancellationToken);

    private static Task<long> InsertDeliveryAsync(Npgsql.NpgsqlConnection c, Npgsql.NpgsqlTransaction t, AlertDeliveryRecord d) => c.ExecuteScalarAsync<long>(AlertStatements.InsertDelivery,
        new { d.RouteId, d.MessageId, d.Kind, d.Tenant, d.LinkId, d.RunId, d.Payload, Status = d.Status.ToString(), d.CallbackUrl,
            d.ProtectedCallbackSecret, CreatedAt = Text(d.CreatedAt), NextAttemptAt = d.NextAttemptAt is { } next ? Text(next) : null }, t);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListDueAlertDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE status = 'Pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit",
            new { now = Text(now), limit = (long)limit }, cancellationToken);

    public async Task<DateTimeOffset?> NextAlertDeliveryDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var next = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(AlertStatements.NextDeliveryDue, cancellationToken: cancellationToken));
        return PostgresRunStore.OptionalTime(next);
    }

    public Task RecordAlertAttemptAsync(long deliveryId, AlertDeliveryAttempt attempt, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken)
    {
        var status = attempt.Succeeded ? AlertDeliveryStatus.Delivered : nextAttemptAt is null ? AlertDeliveryStatus.Failed : AlertDeliveryStatus.Pending;
        var at = Text(attempt.At);
        return runs.WriteAsync(async (c, t) =>
        {
            await c.ExecuteAsync(AlertStatements.InsertAttempt,
                new { deliveryId, Number = (long)attempt.Number, at, succeeded = attempt.Succeeded ? 1L : 0L, StatusCode = (long?)attempt.StatusCode, attempt.Error,
                    attempt.Hint }, t);
            await c.ExecuteAsync(AlertStatements.UpdateDeliveryAfterAttempt,
                new { deliveryId, status = status.ToString(), next = nextAttemptAt is { } n ? Text(n) : null, delivered = attempt.Succeeded ? at : null }, t);
            return await c.ExecuteAsync("""
                UPDATE alert_routes SET last_delivery_id = @deliveryId, last_attempt = @Number,
                    consecutive_failures = CASE WHEN @succeeded THEN 0 ELSE consecutive_failures + 1 END
                WHERE id = (SELECT route_id FROM alert_deliveries WHERE id = @deliveryId)
                """, new { deliveryId, Number = (long)attempt.Number, succeeded = attempt.Succeeded }, t);
        }, cancellationToken);
    }

    public async Task<AlertDeliveryRecord?> GetAlertDeliveryAsync(long deliveryId, CancellationToken cancellationToken) =>
        (await QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE id = @deliveryId", new { deliveryId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListAlertDeliveriesAsync(long routeId, int offset, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE route_id = @routeId ORDER BY id DESC LIMIT @limit OFFSET @offset",
            new { routeId, offset = (long)offset, limit = (long)limit }, cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListCallbackDeliveriesAsync(long runId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE run_id = @runId AND callback_url IS NOT NULL ORDER BY id", new { runId }, cancellationToken);

    /// <summary>Deliveries with their attempts (two queries: the deliveries, then every attempt of those).</summary>
    private async Task<IReadOnlyList<AlertDeliveryRecord>> QueryDeliveriesAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await runs.DataSource.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
            return [];
        var attempts = (await connection.QueryAsync<AttemptRow>(new CommandDefinition("""
            SELECT delivery_id AS DeliveryId, number AS Number, at AS At, succeeded AS Succeeded, status_code AS StatusCode, error AS Error, hint AS Hint
            FROM alert_delivery_attempts WHERE delivery_id = ANY(@ids) ORDER BY delivery_id, number
            """, new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(a => a.DeliveryId, a => a.ToAttempt()!);
        return [.. rows.Select(r => new AlertDeliveryRecord(r.Id, r.RouteId, r.MessageId, r.Kind, r.Tenant, r.LinkId, r.RunId, r.Payload,
            Enum.Parse<AlertDeliveryStatus>(r.Status), Time(r.CreatedAt), PostgresRunStore.OptionalTime(r.NextAttemptAt), PostgresRunStore.OptionalTime(r.DeliveredAt),
            [.. attempts[r.Id]]) { CallbackUrl = r.CallbackUrl, ProtectedCallbackSecret = r.CallbackSecret })];
    }

    private sealed record RouteRow(long Id, string? Tenant, string Name, string Url, string? LinkId, string Kinds, string Secret, string CreatedAt,
        long ConsecutiveFailures, long? Number, string? At, long? Succeeded, long? StatusCode, string? Error, string? Hint, string? NextAttemptAt, string? Delivery)
    {
        public AlertRouteRecord ToRecord() => new(Id, Tenant, Name, Url, LinkId, JsonSerializer.Deserialize<string[]>(Kinds) ?? [], Secret, Time(CreatedAt),
            new AlertRouteHealth(new AttemptRow(Id, Number, At, Succeeded, StatusCode, Error, Hint).ToAttempt(), (int)ConsecutiveFailures,
                PostgresRunStore.OptionalTime(NextAttemptAt))) { Delivery = AlertRouteDelivery.FromJson(Delivery) };
    }

    private sealed record DeliveryRow(long Id, long RouteId, string MessageId, string Kind, string? Tenant, string? LinkId, long? RunId, string Payload,
        string Status, string CreatedAt, string? NextAttemptAt, string? DeliveredAt, string? CallbackUrl, string? CallbackSecret);

    private sealed record AttemptRow(long DeliveryId, long? Number, string? At, long? Succeeded, long? StatusCode, string? Error, string? Hint)
    {
        /// <summary>The attempt, or null for the empty side of an outer join (a route never attempted).</summary>
        public AlertDeliveryAttempt? ToAttempt() => Number is { } number && At is { } at
            ? new AlertDeliveryAttempt((int)number, Time(at), Succeeded == 1, StatusCode is { } code ? (int)code : null, Error, Hint)
            : null;
    }
}
