namespace Resync.Server;

/// <summary>
/// The server's own state beside the runs: links created through the API, API keys (hashed), idempotency
/// records, asynchronous push payloads, and alert routes with their outbox. In embedded mode it lives in the same SQLite file as the runs.
/// </summary>
public interface IServerStore
{
    /// <summary>Creates or migrates the server's tables (after the run store's).</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    Task SaveLinkDocumentAsync(StoredLinkDocument document, CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredLinkDocument>> ListLinkDocumentsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The link's state, or null when no run or state change has registered it yet (it is then Active). Written by
    /// <see cref="Core.Storage.IRecoveryStore.UpdateLinkHealthAsync"/> only.
    /// </summary>
    Task<LinkStateView?> GetLinkStateAsync(string linkId, CancellationToken cancellationToken);

    Task AddApiKeyAsync(ApiKeyRecord key, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> FindApiKeyAsync(string prefix, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(CancellationToken cancellationToken);

    /// <summary>Revokes a key; false when there is no such key or it was revoked already.</summary>
    Task<bool> RevokeApiKeyAsync(string prefix, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>The first answer under this key, if it was given at or after <paramref name="notBefore"/>.</summary>
    Task<IdempotencyRecord?> FindIdempotencyAsync(string scope, string key, DateTimeOffset notBefore, CancellationToken cancellationToken);

    /// <summary>Stores an answer; an older record under the same key (outside the window) is replaced.</summary>
    Task SaveIdempotencyAsync(IdempotencyRecord record, CancellationToken cancellationToken);

    /// <summary>Deletes answers older than <paramref name="before"/>; returns how many.</summary>
    Task<int> PurgeIdempotencyAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a push payload durably; returns its id. The ids ascend in the order pushes are stored, so that a run sharing them
    /// reads them in the order they came.
    /// </summary>
    Task<long> AddPushAsync(StoredPush push, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the pushes as run by <paramref name="runId"/>, all or none: pushes of one link that arrive together share a run
    /// (their records in the order of their ids), and recovery after a kill reads the run's records from their payloads.
    /// </summary>
    Task PushStartedAsync(IReadOnlyList<long> pushIds, long runId, CancellationToken cancellationToken);

    /// <summary>Marks the pushes as finished at <paramref name="at"/>, in one write: the pushes of a run end together.</summary>
    Task PushesFinishedAsync(IReadOnlyList<long> pushIds, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Empties the payloads of pushes whose run ended at or before <paramref name="finishedBefore"/> (their records are
    /// accounted for in the run's history); returns how many.
    /// </summary>
    Task<int> PurgePushPayloadsAsync(DateTimeOffset finishedBefore, CancellationToken cancellationToken);

    /// <summary>
    /// The push with this id, with its <see cref="StoredPush.FirstRecord"/> in its run, and without its payload; null when there is none
    /// or it is another tenant's (<paramref name="tenant"/> null: any tenant's).
    /// </summary>
    Task<StoredPush?> GetPushAsync(long pushId, string? tenant, CancellationToken cancellationToken);

    /// <summary>Pushes stored but never started (the process stopped in between), oldest first.</summary>
    Task<IReadOnlyList<StoredPush>> ListUnstartedPushesAsync(CancellationToken cancellationToken);

    /// <summary>Pushes whose run was started but not seen to end (the process stopped first), oldest first.</summary>
    Task<IReadOnlyList<StoredPush>> ListUnfinishedPushesAsync(CancellationToken cancellationToken);

    /// <summary>Stores (or replaces) a link's replay settings override.</summary>
    Task SaveReplayOverrideAsync(ReplayOverride replay, CancellationToken cancellationToken);

    /// <summary>Removes a link's replay settings override; false when it had none.</summary>
    Task<bool> DeleteReplayOverrideAsync(string linkId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ReplayOverride>> ListReplayOverridesAsync(CancellationToken cancellationToken);

    Task<long> AddAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken);

    /// <summary>Changes a route's name, URL, link, kinds and tenant (not its secret or health); false when there is no such route.</summary>
    Task<bool> UpdateAlertRouteAsync(AlertRouteRecord route, CancellationToken cancellationToken);

    /// <summary>Deletes a route with its deliveries; false when there is no such route.</summary>
    Task<bool> DeleteAlertRouteAsync(long routeId, CancellationToken cancellationToken);

    Task<AlertRouteRecord?> GetAlertRouteAsync(long routeId, CancellationToken cancellationToken);

    /// <summary>Every route of every tenant, oldest first.</summary>
    Task<IReadOnlyList<AlertRouteRecord>> ListAlertRoutesAsync(CancellationToken cancellationToken);

    /// <summary>Stores alert deliveries (the outbox) in one transaction; returns their ids in order.</summary>
    Task<IReadOnlyList<long>> AddAlertDeliveriesAsync(IReadOnlyList<AlertDeliveryRecord> deliveries, CancellationToken cancellationToken);

    /// <summary>Pending deliveries due at <paramref name="now"/>, oldest first.</summary>
    Task<IReadOnlyList<AlertDeliveryRecord>> ListDueAlertDeliveriesAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken);

    /// <summary>When the earliest pending delivery is due; null when none is pending.</summary>
    Task<DateTimeOffset?> NextAlertDeliveryDueAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Records an attempt and its consequence in one transaction: the delivery becomes Delivered (success), stays
    /// Pending until <paramref name="nextAttemptAt"/>, or is Failed (no next attempt); the route's health follows.
    /// </summary>
    Task RecordAlertAttemptAsync(long deliveryId, AlertDeliveryAttempt attempt, DateTimeOffset? nextAttemptAt, CancellationToken cancellationToken);

    Task<AlertDeliveryRecord?> GetAlertDeliveryAsync(long deliveryId, CancellationToken cancellationToken);

    /// <summary>A route's deliveries, newest first.</summary>
    Task<IReadOnlyList<AlertDeliveryRecord>> ListAlertDeliveriesAsync(long routeId, int offset, int limit, CancellationToken cancellationToken);

    /// <summary>The push callback deliveries of a run, oldest first.</summary>
    Task<IReadOnlyList<AlertDeliveryRecord>> ListCallbackDeliveriesAsync(long runId, CancellationToken cancellationToken);

    /// <summary>The deliveries a route holds for a link of a tenant (status Held), oldest first.</summary>
    Task<IReadOnlyList<AlertDeliveryRecord>> ListHeldAlertDeliveriesAsync(long routeId, string? tenant, string? linkId, CancellationToken cancellationToken);

    /// <summary>
    /// Ends held deliveries as <paramref name="settledAs"/> (Digested or Withdrawn; those no longer Held are left alone) and, in the
    /// same transaction, stores <paramref name="next"/> (the digest or the recovered note) if given; returns its id.
    /// </summary>
    Task<long?> SettleHeldAlertDeliveriesAsync(IReadOnlyList<long> held, AlertDeliveryStatus settledAs, AlertDeliveryRecord? next, CancellationToken cancellationToken);
}
