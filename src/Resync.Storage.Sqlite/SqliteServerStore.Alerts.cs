using System.Text.Json;
using Dapper;
using Resync.Server;

namespace Resync.Storage.Sqlite;

/// <summary>Alert routes and their durable outbox: one row per alert and route, with every attempt made.</summary>
public sealed partial class SqliteServerStore
{
    private const string RouteSelect = """
        SELECT r.id AS Id, r.tenant AS Tenant, r.name AS Name, r.url AS Url, r.link_id AS LinkId, r.kinds AS Kinds, r.secret AS Secret,
            r.created_at AS CreatedAt, r.consecutive_failures AS ConsecutiveFailures,
            r.delivery AS Delivery, a.number AS Number, a.at AS At, a.succeeded AS Succeeded, a.status_code AS StatusCode, a.error AS Error, a.hint AS Hint,
            (SELECT MIN(d.next_attempt_at) FROM alert_deliveries d WHERE d.route_id = r.id AND d.status = 'Pending') AS NextAttemptAt
        FROM alert_routes r
        LEFT JOIN alert_delivery_attempts a ON a.delivery_id = r.last_delivery_id AND a.number = r.last_attempt
        """;

    private const string DeliverySelect = """
        SELECT id AS Id, route_id AS RouteId, message_id AS MessageId, kind AS Kind, tenant AS Tenant, link_id AS LinkId, run_id AS RunId,
            payload AS Payload, status AS Status, created_at AS CreatedAt, next_attempt_at AS NextAttemptAt, delivered_at AS DeliveredAt,
            callback_url AS CallbackUrl, callback_secret AS CallbackSecret
        FROM alert_deliveries
        """;

    public Task<long> AddAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) => c.ExecuteScalar<long>("""
            INSERT INTO alert_routes (tenant, name, url, link_id, kinds, secret, created_at, delivery)
            VALUES (@Tenant, @Name, @Url, @LinkId, @Kinds, @ProtectedSecret, @CreatedAt, @Delivery) RETURNING id
            """, new { route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds), route.ProtectedSecret,
                Delivery = route.Delivery.ToJson(),
                CreatedAt = SqliteRunStore.Text(route.CreatedAt) }, t), cancellationToken);

    public async Task<bool> UpdateAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken) =>
        await runs.Writer.ExecuteAsync((c, t) => c.Execute("""
            UPDATE alert_routes SET tenant = @Tenant, name = @Name, url = @Url, link_id = @LinkId, kinds = @Kinds, delivery = @Delivery WHERE id = @Id
            """, new { route.Id, route.Tenant, route.Name, route.Url, route.LinkId, Kinds = JsonSerializer.Serialize(route.Kinds),
                Delivery = route.Delivery.ToJson() }, t), cancellationToken) == 1;

    public async Task<bool> DeleteAlertRouteAsync(long routeId, CancellationToken cancellationToken) =>
        await runs.Writer.ExecuteAsync((c, t) =>
        {
            c.Execute("DELETE FROM alert_delivery_attempts WHERE delivery_id IN (SELECT id FROM alert_deliveries WHERE route_id = @routeId)", new { routeId }, t);
            c.Execute("DELETE FROM alert_deliveries WHERE route_id = @routeId", new { routeId }, t);
            return c.Execute("DELETE FROM alert_routes WHERE id = @routeId", new { routeId }, t);
        }, cancellationToken) == 1;

    public async Task<AlertRouteRecord?> GetAlertRouteAsync(long routeId, CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var row = await connection.QuerySingleOrDefaultAsync<RouteRow>(
            new CommandDefinition($"{RouteSelect} WHERE r.id = @routeId", new { routeId }, cancellationToken: cancellationToken));
        return row?.ToRecord();
    }

    public async Task<IReadOnlyList<AlertRouteRecord>> ListAlertRoutesAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var rows = await connection.QueryAsync<RouteRow>(new CommandDefinition($"{RouteSelect} ORDER BY r.id", cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToRecord())];
    }

    public Task<IReadOnlyList<long>> AddAlertDeliveriesAsync(IReadOnlyList<AlertDeliveryRecord> deliveries, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync<IReadOnlyList<long>>((c, t) => [.. deliveries.Select(d => InsertDelivery(c, t, d))], cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListHeldAlertDeliveriesAsync(long routeId, string? tenant, string? linkId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{DeliverySelect} WHERE route_id = @routeId AND status = 'Held' AND tenant IS @tenant AND link_id IS @linkId ORDER BY id",
            new { routeId, tenant, linkId }, cancellationToken);

    public Task<long?> SettleHeldAlertDeliveriesAsync(IReadOnlyList<long> held, AlertDeliveryStatus settledAs, AlertDeliveryRecord? next, CancellationToken cancellationToken) =>
        runs.Writer.ExecuteAsync((c, t) =>
        {
            c.Execute("UPDATE alert_deliveries SET status = @status WHERE id IN @held AND status = 'Held'",
                new { status = settledAs.ToString(), held = held.ToArray() }, t);
            return next is null ? (long?)null : InsertDelivery(c, t, next);
        }, cancellationToken);

    private static long InsertDelivery(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction t, AlertDeliveryRecord d) => c.ExecuteScalar<long>("""
        INSERT INTO alert_deliveries (route_id, message_id, kind, tenant, link_id, run_id, payload, status, created_at, next_attempt_at,
            callback_url, callback_secret)
        VALUES (@RouteId, @MessageId, @Kind, @Tenant, @LinkId, @RunId, @Payload, @Status, @CreatedAt, @NextAttemptAt, @CallbackUrl,
            @ProtectedCallbackSecret) RETURNING id
        """, new { d.RouteId, d.MessageId, d.Kind, d.Tenant, d.LinkId, d.RunId, d.Payload, Status = d.Status.ToString(), d.CallbackUrl, d.ProtectedCallbackSecret,
            CreatedAt = SqliteRunStore.Text(d.CreatedAt), NextAttemptAt = d.NextAttemptAt is { } next ? SqliteRunStore.Text(next) : null }, t);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListDueAlertDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{DeliverySelect} WHERE status = 'Pending' AND next_attempt_at <= @now ORDER BY next_attempt_at, id LIMIT @limit",
            new { now = SqliteRunStore.Text(now), limit }, cancellationToken);

    public async Task<DateTimeOffset?> NextAlertDeliveryDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = Open();
        var next = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT MIN(next_attempt_at) FROM alert_deliveries WHERE status = 'Pending'", cancellationToken: cancellationToken));
        return next is null ? null : SqliteRunStore.Time(next);
    }

    public Task RecordAlertAttemptAsync(long deliveryId, AlertDeliveryAttempt attempt, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken)
    {
        var status = attempt.Succeeded ? AlertDeliveryStatus.Delivered : nextAttemptAt is null ? AlertDeliveryStatus.Failed : AlertDeliveryStatus.Pending;
        var at = SqliteRunStore.Text(attempt.At);
        return runs.Writer.ExecuteAsync((c, t) =>
        {
            c.Execute("""
                INSERT INTO alert_delivery_attempts (delivery_id, number, at, succeeded, status_code, error, hint)
                VALUES (@deliveryId, @Number, @at, @succeeded, @StatusCode, @Error, @Hint)
                """, new { deliveryId, attempt.Number, at, succeeded = attempt.Succeeded ? 1 : 0, attempt.StatusCode, attempt.Error, attempt.Hint }, t);
            c.Execute("""
                UPDATE alert_deliveries SET status = @status, next_attempt_at = @next, delivered_at = @delivered WHERE id = @deliveryId
                """, new { deliveryId, status = status.ToString(), next = nextAttemptAt is { } n ? SqliteRunStore.Text(n) : null,
                    delivered = attempt.Succeeded ? at : null }, t);
            return c.Execute("""
                UPDATE alert_routes SET last_delivery_id = @deliveryId, last_attempt = @Number,
                    consecutive_failures = CASE WHEN @succeeded = 1 THEN 0 ELSE consecutive_failures + 1 END
                WHERE id = (SELECT route_id FROM alert_deliveries WHERE id = @deliveryId)
                """, new { deliveryId, attempt.Number, succeeded = attempt.Succeeded ? 1 : 0 }, t);
        }, cancellationToken);
    }

    public async Task<AlertDeliveryRecord?> GetAlertDeliveryAsync(long deliveryId, CancellationToken cancellationToken) =>
        (await QueryDeliveriesAsync($"{DeliverySelect} WHERE id = @deliveryId", new { deliveryId }, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListAlertDeliveriesAsync(long routeId, int offset, int limit, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{DeliverySelect} WHERE route_id = @routeId ORDER BY id DESC LIMIT @limit OFFSET @offset",
            new { routeId, offset, limit }, cancellationToken);

    public Task<IReadOnlyList<AlertDeliveryRecord>> ListCallbackDeliveriesAsync(long runId, CancellationToken cancellationToken) =>
        QueryDeliveriesAsync($"{DeliverySelect} WHERE run_id = @runId AND callback_url IS NOT NULL ORDER BY id", new { runId }, cancellationToken);

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
