using System.Text.Json;
using Dapper;
using Resync.Server;
using Resync.Storage.Relational;

namespace Resync.Storage.Sqlite;

/// <summary>Alert routes and their durable outbox: one row per alert and route, with every attempt made.</summary>
public sealed partial class SqliteServerStore
{
    public Task<long> AddAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.ExecuteScalar<long>(AlertStatements.InsertRoute,
            new { route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds), route.ProtectedSecret,
                Delivery = route.Delivery.ToJson(),
                CreatedAt = SqliteRunStore.Text(route.CreatedAt) }, t), cancellationToken);

    public async Task<bool> UpdateAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        await runs.Writer.ExecuteAsync((c, t) => c.Execute(AlertStatements.UpdateRoute,
            new { route.Id, route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds),
                Delivery = route.Delivery.ToJson() }, t), cancellationToken) == 1;

    public async Task<bool> DeleteAlertRouteAsync(long routeId, CancellationToken cancellationToken) =>
        await runs.Writer.ExecuteAsync((c, t) =>
        {
            c.Execute(AlertStatements.DeleteRouteAttempts, new { routeId }, t);
            c.Execute(AlertStatements.DeleteRouteDeliveries, new { routeId }, t);
            return c.Execute(AlertStatements.DeleteRoute, new { routeId }, t);
        }, cancellationToken) == 1;

    public async Task<AlertRouteRecord?> GetAlertRouteAsync(long routeId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<RouteRow>(
            new CommandDefinition($"{AlertStatements.SelectRoutes} WHERE r.id = @routeId", new { routeId }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<AlertRouteRecord>> ListAlertRoutesAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<RouteRow>(new CommandDefinition($"{AlertStatements.SelectRoutes} ORDER BY r.id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToRecord())];
    }

    public Task<IReadOnlyList<long>> AddAlertDeliveriesAsync(IReadOnlyList<AlertDeliveryRecord> deliveries, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync<IReadOnlyList<long>>((c, t) => [.. deliveries.Select(d => InsertDelivery(c, t, d))], cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListHeldAlertDeliveriesAsync(long routeId, string? tenant, string? linkId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE route_id = @routeId AND status = 'Held' AND tenant IS @tenant AND link_id IS @linkId ORDER BY id",
            new { routeId, tenant, linkId }, cancellationToken);

    public Task<long?> SettleHeldAlertDeliveriesAsync(IReadOnlyList<long> held, AlertDeliveryStatus settledAs, AlertDeliveryRecord? next, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) =>
        {
            c.Execute("UPDATE alert_deliveries SET status = @status WHERE id IN @held AND status = 'Held'",
                new { status = settledAs.ToString(), held = held.ToArray() }, t);
            return next is null ? (long?)null : InsertDelivery(c, t, next);
        }, cancellationToken);

    private static long InsertDelivery(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction t, AlertDeliveryRecord d) => c.ExecuteScalar<long>(AlertStatements.InsertDelivery,
        new { d.RouteId, d.MessageId, d.Kind, d.Tenant, d.LinkId, d.RunId, d.Payload, Status = d.Status.ToString(), d.CallbackUrl, d.ProtectedCallbackSecret,
            CreatedAt = SqliteRunStore.Text(d.CreatedAt), NextAttemptAt = d.NextAttemptAt is { } next ? SqliteRunStore.Text(next) : null }, t);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListDueAlertDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE status = 'Pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit",
            new { now = SqliteRunStore.Text(now), limit }, cancellationToken);

    public async Task<DateTimeOffset?> NextAlertDeliveryDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var next = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(AlertStatements.NextDeliveryDue, cancellationToken: cancellationToken));
        return next is null ? null : SqliteRunStore.Time(next);
    }

    public Task RecordAlertAttemptAsync(long deliveryId, AlertDeliveryAttempt attempt, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken)
    {
        var status = attempt.Succeeded ? AlertDeliveryStatus.Delivered : nextAttemptAt is null ? AlertDeliveryStatus.Failed : AlertDeliveryStatus.Pending;
        var at = SqliteRunStore.Text(attempt.At);
        return runs.Writer.ExecuteAsync((c, t) =>
        {
            c.Execute(AlertStatements.InsertAttempt,
                new { deliveryId, attempt.Number, at, succeeded = attempt.Succeeded ? 1 : 0, attempt.StatusCode, attempt.Error, attempt.Hint }, t);
            c.Execute(AlertStatements.UpdateDeliveryAfterAttempt,
                new { deliveryId, status = status.ToString(), next = nextAttemptAt is { } n ? SqliteRunStore.Text(n) : null,
                    delivered = attempt.Succeeded ? at : null }, t);
            return c.Execute("""
                UPDATE alert_routes SET last_delivery_id = @deliveryId, last_attempt = @Number,
                    consecutive_failures = CASE WHEN @succeeded = 1 THEN 0 ELSE consecutive_failures + 1 END
                WHERE id = (SELECT route_id FROM alert_deliveries WHERE id = @deliveryId)
                """, new { deliveryId, attempt.Number, succeeded = attempt.Succeeded ? 1 : 0 }, t);
        }, cancellationToken);
    }

    public async Task<AlertDeliveryRecord?> GetAlertDeliveryAsync(long deliveryId, CancellationToken cancellationToken) =>
        (await QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE id = @deliveryId", new { deliveryId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListAlertDeliveriesAsync(long routeId, int offset, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE route_id = @routeId ORDER BY id DESC LIMIT @limit OFFSET @offset",
            new { routeId, offset, limit }, cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListCallbackDeliveriesAsync(long runId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{AlertStatements.SelectDeliveries} WHERE run_id = @runId AND callback_url IS NOT NULL ORDER BY id", new { runId }, cancellationToken);

    /// <summary>Deliveries with their attempts (two queries: the deliveries, then every attempt of those).</summary>
    private async Task<IReadOnlyList<AlertDeliveryRecord>> QueryDeliveriesAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = (await connection.QueryAsync<DeliveryRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).ToList();
        if (rows.Count == 0)
            return [];
        var attempts = (await connection.QueryAsync<AttemptRow>(new CommandDefinition("""
            SELECT delivery_id AS DeliveryId, number AS Number, at AS At, succeeded AS Succeeded, status_code AS StatusCode, error AS Error, hint AS Hint
            FROM alert_delivery_attempts WHERE delivery_id IN @ids ORDER BY delivery_id, number
            """, new { ids = rows.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken)))
            .ToLookup(a => a.DeliveryId, a => a.ToAttempt()!);
        return [.. rows.Select(r => new AlertDeliveryRecord(r.Id, r.RouteId, r.MessageId, r.Kind, r.Tenant, r.LinkId, r.RunId, r.Payload,
            Enum.Parse<AlertDeliveryStatus>(r.Status), SqliteRunStore.Time(r.CreatedAt), OptionalTime(r.NextAttemptAt), OptionalTime(r.DeliveredAt),
            [.. attempts[r.Id]]) { CallbackUrl = r.CallbackUrl, ProtectedCallbackSecret = r.CallbackSecret })];
    }

    private static DateTimeOffset? OptionalTime(string? value) => value is null ? null : SqliteRunStore.Time(value);

    /// <summary>A class, not a positional record: Dapper maps its properties by name, which tolerates the untyped NULL of the MIN() column.</summary>
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
            SqliteRunStore.Time(CreatedAt),
            new AlertRouteHealth(new AttemptRow(Id, Number, At, Succeeded, StatusCode, Error, Hint).ToAttempt(), (int)ConsecutiveFailures, OptionalTime(NextAttemptAt)))
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
            ? new AlertDeliveryAttempt((int)number, SqliteRunStore.Time(at), Succeeded == 1, StatusCode is { } code ? (int)code : null, Error, Hint)
            : null;
    }
}
