namespace Resync.Storage.Relational;

/// <summary>The alert-route and outbox statements of <see cref="RelationalServerStore"/>, written alike for SQLite and PostgreSQL.</summary>
internal static class AlertStatements
{
    /// <summary>Routes with their last attempt and next due delivery, named as the store's route row reads them; callers add WHERE and ORDER BY.</summary>
    public const string SelectRoutes = """
        SELECT r.id AS Id, r.tenant AS Tenant, r.name AS Name, r.url AS Url, r.link_id AS LinkId, r.kinds AS Kinds, r.secret AS Secret,
            r.created_at AS CreatedAt, r.consecutive_failures AS ConsecutiveFailures,
            a.number AS Number, a.at AS At, a.succeeded AS Succeeded, a.status_code AS StatusCode, a.error AS Error, a.hint AS Hint,
            (SELECT MIN(d.next_attempt_at) FROM alert_deliveries d WHERE d.route_id = r.id AND d.status = 'Pending') AS NextAttemptAt,
            r.delivery AS Delivery
        FROM alert_routes r
        LEFT JOIN alert_delivery_attempts a ON a.delivery_id = r.last_delivery_id AND a.number = r.last_attempt
        """;

    /// <summary>Deliveries, named as the store's delivery row reads them; callers add WHERE and ORDER BY.</summary>
    public const string SelectDeliveries = """
        SELECT id AS Id, route_id AS RouteId, message_id AS MessageId, kind AS Kind, tenant AS Tenant, link_id AS LinkId, run_id AS RunId,
            payload AS Payload, status AS Status, created_at AS CreatedAt, next_attempt_at AS NextAttemptAt, delivered_at AS DeliveredAt,
            callback_url AS CallbackUrl, callback_secret AS CallbackSecret
        FROM alert_deliveries
        """;

    public const string InsertRoute = """
        INSERT INTO alert_routes (tenant, name, url, link_id, kinds, secret, created_at, delivery)
        VALUES (@Tenant, @Name, @Url, @LinkId, @Kinds, @ProtectedSecret, @CreatedAt, @Delivery) RETURNING id
        """;

    public const string UpdateRoute =
        "UPDATE alert_routes SET tenant = @Tenant, name = @Name, url = @Url, link_id = @LinkId, kinds = @Kinds, delivery = @Delivery WHERE id = @Id";

    /// <summary>A route <c>@routeId</c>'s attempts, then its deliveries, then itself (one transaction).</summary>
    public const string DeleteRouteAttempts = "DELETE FROM alert_delivery_attempts WHERE delivery_id IN (SELECT id FROM alert_deliveries WHERE route_id = @routeId)";

    public const string DeleteRouteDeliveries = "DELETE FROM alert_deliveries WHERE route_id = @routeId";

    public const string DeleteRoute = "DELETE FROM alert_routes WHERE id = @routeId";

    public const string InsertDelivery = """
        INSERT INTO alert_deliveries (route_id, message_id, kind, tenant, link_id, run_id, payload, status, created_at, next_attempt_at,
            callback_url, callback_secret)
        VALUES (@RouteId, @MessageId, @Kind, @Tenant, @LinkId, @RunId, @Payload, @Status, @CreatedAt, @NextAttemptAt, @CallbackUrl,
            @ProtectedCallbackSecret) RETURNING id
        """;

    public const string NextDeliveryDue = "SELECT MIN(next_attempt_at) FROM alert_deliveries WHERE status = 'Pending'";

    public const string InsertAttempt = """
        INSERT INTO alert_delivery_attempts (delivery_id, number, at, succeeded, status_code, error, hint)
        VALUES (@deliveryId, @Number, @at, @succeeded, @StatusCode, @Error, @Hint)
        """;

    public const string UpdateDeliveryAfterAttempt =
        "UPDATE alert_deliveries SET status = @status, next_attempt_at = @next, delivered_at = @delivered WHERE id = @deliveryId";
}
