using Resync.Core.Storage;
using Resync.Core.Links;
using Resync.Server;

namespace Resync.Storage.Compliance;

/// <summary>
/// What every store of the server's own state must do (API links, keys, idempotency, pushes, replay overrides, alert routes and
/// their outbox), through <see cref="IServerStore"/> only, against a real database. Each test has a fresh, empty state.
/// </summary>
public abstract class ServerStoreCompliance : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);

    private OpenedState? _state;

    protected IServerStore Store => _state?.Server ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected IStateStore Runs => _state?.Runs ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    /// <summary>Opens a fresh, empty state (not initialised: the suite initialises the server store, which initialises the runs').</summary>
    protected abstract Task<OpenedState> CreateStateAsync();

    public virtual async Task InitializeAsync()
    {
        _state = await CreateStateAsync();
        await _state.Server.InitializeAsync(CancellationToken.None);
    }

    public virtual async Task DisposeAsync()
    {
        if (_state is not null)
            await _state.Runs.DisposeAsync();
        _state = null;
    }

    [Fact]
    public async Task Initialize_Twice_ChangesNothing()
    {
        await Store.AddApiKeyAsync(Key("rsk_a"), CancellationToken.None);

        await Store.InitializeAsync(CancellationToken.None);

        (await Store.ListApiKeysAsync(CancellationToken.None)).ShouldHaveSingleItem().Prefix.ShouldBe("rsk_a");
    }

    [Fact]
    public async Task LinkDocuments_AreReplacedById_AndListedInIdOrder()
    {
        await Store.SaveLinkDocumentAsync(new StoredLinkDocument("b", "acme", "doc-b1", T0), CancellationToken.None);
        await Store.SaveLinkDocumentAsync(new StoredLinkDocument("a", "acme", "doc-a", T0), CancellationToken.None);
        await Store.SaveLinkDocumentAsync(new StoredLinkDocument("b", "globex", "doc-b2", T0.AddMinutes(1)), CancellationToken.None);

        (await Store.ListLinkDocumentsAsync(CancellationToken.None)).ShouldBe(
            [new StoredLinkDocument("a", "acme", "doc-a", T0), new StoredLinkDocument("b", "globex", "doc-b2", T0.AddMinutes(1))]);
    }

    [Fact]
    public async Task LinkState_IsNullUntilSet_ThenFollowsTheLatestChange()
    {
        (await Store.GetLinkStateAsync("orders", CancellationToken.None)).ShouldBeNull();

        // The recovery store is the one writer of a link's state; the server store reads it.
        await Runs.UpdateLinkHealthAsync("orders", "acme", LinkHealth.Healthy.DeactivatedBy("paused by ops"), CancellationToken.None);
        (await Store.GetLinkStateAsync("orders", CancellationToken.None)).ShouldBe(new LinkStateView("orders", false, "paused by ops"));
        await Runs.UpdateLinkHealthAsync("orders", "acme", LinkHealth.Healthy, CancellationToken.None);

        (await Store.GetLinkStateAsync("orders", CancellationToken.None)).ShouldBe(new LinkStateView("orders", true, null));
        (await Runs.GetLinkAsync("orders", CancellationToken.None)).ShouldNotBeNull().Tenant.ShouldBe("acme", "the server's link state is the run store's link");
    }

    [Fact]
    public async Task ApiKeys_AreFoundByPrefix_ListedOldestFirst_AndRevokedOnce()
    {
        await Store.AddApiKeyAsync(Key("rsk_b", T0.AddMinutes(1)), CancellationToken.None);
        await Store.AddApiKeyAsync(Key("rsk_a", T0) with { Scope = ApiKeyScope.Operator, Tenant = null }, CancellationToken.None);

        (await Store.FindApiKeyAsync("rsk_b", CancellationToken.None)).ShouldBe(Key("rsk_b", T0.AddMinutes(1)));
        (await Store.FindApiKeyAsync("rsk_missing", CancellationToken.None)).ShouldBeNull();
        (await Store.ListApiKeysAsync(CancellationToken.None)).Select(k => k.Prefix).ShouldBe(["rsk_a", "rsk_b"]);
        (await Store.RevokeApiKeyAsync("rsk_b", T0.AddHours(1), CancellationToken.None)).ShouldBeTrue();
        (await Store.RevokeApiKeyAsync("rsk_b", T0.AddHours(2), CancellationToken.None)).ShouldBeFalse("a revoked key is not revoked again");
        (await Store.RevokeApiKeyAsync("rsk_missing", T0, CancellationToken.None)).ShouldBeFalse();
        (await Store.FindApiKeyAsync("rsk_b", CancellationToken.None)).ShouldNotBeNull().RevokedAt.ShouldBe(T0.AddHours(1));
    }

    [Fact]
    public async Task ApiKey_WithAPrefixTakenAlready_IsRefused()
    {
        await Store.AddApiKeyAsync(Key("rsk_a"), CancellationToken.None);

        await Should.ThrowAsync<Exception>(() => Store.AddApiKeyAsync(Key("rsk_a") with { Hash = "other" }, CancellationToken.None));
        (await Store.FindApiKeyAsync("rsk_a", CancellationToken.None)).ShouldNotBeNull().Hash.ShouldBe("hash-rsk_a", "the first key stays as it was");
    }

    [Fact]
    public async Task Idempotency_AnswersWithinTheWindow_IsReplacedAfterIt_AndPurgedByAge()
    {
        var first = new IdempotencyRecord("tenant:acme", "key-1", "h1", 201, "/api/v1/runs/7", """{"id":7}""", T0);
        await Store.SaveIdempotencyAsync(first, CancellationToken.None);

        (await Store.FindIdempotencyAsync("tenant:acme", "key-1", T0.AddHours(-24), CancellationToken.None)).ShouldBe(first);
        (await Store.FindIdempotencyAsync("tenant:acme", "key-1", T0.AddSeconds(1), CancellationToken.None)).ShouldBeNull("older than the window");
        (await Store.FindIdempotencyAsync("tenant:globex", "key-1", T0.AddHours(-24), CancellationToken.None)).ShouldBeNull("another scope");

        var second = first with { RequestHash = "h2", Status = 202, Location = null, CreatedAt = T0.AddDays(2) };
        await Store.SaveIdempotencyAsync(second, CancellationToken.None);
        (await Store.FindIdempotencyAsync("tenant:acme", "key-1", T0, CancellationToken.None)).ShouldBe(second);
        await Store.SaveIdempotencyAsync(first with { Key = "key-2" }, CancellationToken.None);

        (await Store.PurgeIdempotencyAsync(T0.AddDays(1), CancellationToken.None)).ShouldBe(1);
        (await Store.FindIdempotencyAsync("tenant:acme", "key-2", T0.AddHours(-1), CancellationToken.None)).ShouldBeNull();
        (await Store.FindIdempotencyAsync("tenant:acme", "key-1", T0, CancellationToken.None)).ShouldBe(second);
    }

    [Fact]
    public async Task Pushes_GoFromUnstartedToUnfinishedToFinished_AndOnlyFinishedPayloadsArePurged()
    {
        var waiting = await Store.AddPushAsync(Push("[1]"), CancellationToken.None);
        var started = await Store.AddPushAsync(Push("[2]") with { CallbackUrl = "https://example.com/done", ProtectedCallbackSecret = "protected" }, CancellationToken.None);
        var finished = await Store.AddPushAsync(Push("[3]"), CancellationToken.None);
        await Store.PushStartedAsync([started], 41, CancellationToken.None);
        await Store.PushStartedAsync([finished], 42, CancellationToken.None);
        await Store.PushesFinishedAsync([finished], T0.AddMinutes(5), CancellationToken.None);

        (await Store.ListUnstartedPushesAsync(CancellationToken.None)).ShouldHaveSingleItem().ShouldBe(Push("[1]") with { Id = waiting });
        var unfinished = (await Store.ListUnfinishedPushesAsync(CancellationToken.None)).ShouldHaveSingleItem();
        unfinished.ShouldBe(Push("[2]") with { Id = started, RunId = 41, CallbackUrl = "https://example.com/done", ProtectedCallbackSecret = "protected" });

        (await Store.PurgePushPayloadsAsync(T0.AddMinutes(4), CancellationToken.None)).ShouldBe(0, "its run ended after the cut-off");
        (await Store.PurgePushPayloadsAsync(T0.AddMinutes(5), CancellationToken.None)).ShouldBe(1);
        (await Store.PurgePushPayloadsAsync(T0.AddMinutes(5), CancellationToken.None)).ShouldBe(0, "an emptied payload is not counted again");
        (await Store.ListUnfinishedPushesAsync(CancellationToken.None)).ShouldHaveSingleItem().Payload.ShouldBe("[2]");
    }

    [Fact]
    public async Task PushesFinished_MarksEveryPushOfTheList_AndNoOther()
    {
        var first = await Store.AddPushAsync(Push("[1]"), CancellationToken.None);
        var second = await Store.AddPushAsync(Push("[2]"), CancellationToken.None);
        var other = await Store.AddPushAsync(Push("[3]"), CancellationToken.None);
        await Store.PushStartedAsync([first, second, other], 61, CancellationToken.None);

        await Store.PushesFinishedAsync([first, second], T0.AddMinutes(2), CancellationToken.None);

        (await Store.ListUnfinishedPushesAsync(CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe(other);
        (await Store.PurgePushPayloadsAsync(T0.AddMinutes(2), CancellationToken.None)).ShouldBe(2);
        (await Store.ListUnfinishedPushesAsync(CancellationToken.None)).ShouldHaveSingleItem().Payload.ShouldBe("[3]", "an unfinished push keeps its payload");
    }

    [Fact]
    public async Task AddPush_KeepsEveryFieldOfEachPush_IdsAscendInTheOrderStored_AndEachWaitsUnstarted()
    {
        var pushes = new[] { Push("[1]") with { RecordCount = 1 }, Push("[2,3]") with { RecordCount = 2, CallbackUrl = "https://example.com/done", ProtectedCallbackSecret = "protected" },
            Push("[4]") with { LinkId = "invoices", Tenant = "globex", RequestId = null, RecordCount = 1 }, Push("[5]") };

        var ids = new List<long>();
        foreach (var push in pushes)
            ids.Add(await Store.AddPushAsync(push, CancellationToken.None));

        ids.ShouldBe(ids.Order());
        ids.Distinct().Count().ShouldBe(pushes.Length);
        (await Store.ListUnstartedPushesAsync(CancellationToken.None)).ShouldBe([.. pushes.Select((push, i) => push with { Id = ids[i] })]);
    }

    [Fact]
    public async Task GetPush_IsScopedToItsTenant_AndLocatesItsRecordsInTheRunItShares()
    {
        var first = await Store.AddPushAsync(Push("[1,2,3]") with { RecordCount = 3 }, CancellationToken.None);
        var alone = await Store.AddPushAsync(Push("[4]") with { RecordCount = 1 }, CancellationToken.None);
        var second = await Store.AddPushAsync(Push("[5,6]") with { RecordCount = 2 }, CancellationToken.None);
        var waiting = await Store.AddPushAsync(Push("[7]") with { RecordCount = 1 }, CancellationToken.None);
        await Store.PushStartedAsync([first, second], 51, CancellationToken.None);
        await Store.PushStartedAsync([alone], 52, CancellationToken.None);
        await Store.PushesFinishedAsync([alone], T0.AddMinutes(1), CancellationToken.None);

        var shared = (await Store.GetPushAsync(second, "acme", CancellationToken.None)).ShouldNotBeNull();
        (shared.RunId, shared.RecordCount, shared.FirstRecord, shared.Payload).ShouldBe((51L, 2, 3, ""), "after the 3 records of the run's push with a smaller id");
        (await Store.GetPushAsync(first, null, CancellationToken.None)).ShouldNotBeNull().FirstRecord.ShouldBe(0);
        var own = (await Store.GetPushAsync(alone, "acme", CancellationToken.None)).ShouldNotBeNull();
        (own.FirstRecord, own.FinishedAt).ShouldBe((0, T0.AddMinutes(1)));
        (await Store.GetPushAsync(waiting, "acme", CancellationToken.None)).ShouldNotBeNull().FirstRecord.ShouldBeNull("not started");
        (await Store.GetPushAsync(second, "globex", CancellationToken.None)).ShouldBeNull("another tenant's push is not found");
        (await Store.GetPushAsync(987_654, null, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task ReplayOverrides_AreReplacedByLink_AndDeletedOnce()
    {
        await Store.SaveReplayOverrideAsync(new ReplayOverride("orders", "acme", true, 3, T0), CancellationToken.None);
        await Store.SaveReplayOverrideAsync(new ReplayOverride("orders", "acme", false, 5, T0.AddMinutes(1)), CancellationToken.None);
        await Store.SaveReplayOverrideAsync(new ReplayOverride("invoices", "acme", true, 1, T0), CancellationToken.None);

        (await Store.ListReplayOverridesAsync(CancellationToken.None)).ShouldBe(
            [new ReplayOverride("invoices", "acme", true, 1, T0), new ReplayOverride("orders", "acme", false, 5, T0.AddMinutes(1))]);
        (await Store.DeleteReplayOverrideAsync("orders", CancellationToken.None)).ShouldBeTrue();
        (await Store.DeleteReplayOverrideAsync("orders", CancellationToken.None)).ShouldBeFalse();
        (await Store.ListReplayOverridesAsync(CancellationToken.None)).Select(r => r.LinkId).ShouldBe(["invoices"]);
    }

    [Fact]
    public async Task AlertRoutes_AreAddedUpdatedAndDeleted_WithTheirDeliveries()
    {
        var id = await Store.AddAlertRouteAsync(Route(0, "ops"), CancellationToken.None);
        var other = await Store.AddAlertRouteAsync(Route(0, "tenant") with { Tenant = "acme", LinkId = "orders", Kinds = [] }, CancellationToken.None);

        (await Store.GetAlertRouteAsync(id, CancellationToken.None)).ShouldBe(Route(id, "ops"), new RouteComparer());
        (await Store.UpdateAlertRouteAsync(Route(id, "ops renamed") with { Url = "https://example.com/other", Kinds = ["run.failed"] }, CancellationToken.None)).ShouldBeTrue();
        (await Store.UpdateAlertRouteAsync(Route(987_654, "missing"), CancellationToken.None)).ShouldBeFalse();
        var updated = (await Store.GetAlertRouteAsync(id, CancellationToken.None)).ShouldNotBeNull();
        (updated.Name, updated.Url, updated.ProtectedSecret).ShouldBe(("ops renamed", "https://example.com/other", "protected-secret"), "the secret is not changed by an update");
        updated.Kinds.ShouldBe(["run.failed"]);
        (await Store.ListAlertRoutesAsync(CancellationToken.None)).Select(r => r.Id).ShouldBe([id, other]);
        await Store.AddAlertDeliveriesAsync([Delivery(id, "m1", T0)], CancellationToken.None);

        (await Store.DeleteAlertRouteAsync(id, CancellationToken.None)).ShouldBeTrue();
        (await Store.DeleteAlertRouteAsync(id, CancellationToken.None)).ShouldBeFalse();
        (await Store.GetAlertRouteAsync(id, CancellationToken.None)).ShouldBeNull();
        (await Store.ListAlertDeliveriesAsync(id, 0, 10, CancellationToken.None)).ShouldBeEmpty();
        (await Store.NextAlertDeliveryDueAsync(CancellationToken.None)).ShouldBeNull("the route's deliveries went with it");
    }

    [Fact]
    public async Task AlertOutbox_DueDeliveries_AttemptsAndRouteHealth_FollowEachAttempt()
    {
        var route = await Store.AddAlertRouteAsync(Route(0, "ops"), CancellationToken.None);
        var ids = await Store.AddAlertDeliveriesAsync([Delivery(route, "m1", T0), Delivery(route, "m2", T0.AddMinutes(1)), Delivery(route, "m3", T0.AddMinutes(2))],
            CancellationToken.None);

        ids.Count.ShouldBe(3);
        ids.ShouldBeInOrder(SortDirection.Ascending);
        (await Store.NextAlertDeliveryDueAsync(CancellationToken.None)).ShouldBe(T0);
        (await Store.ListDueAlertDeliveriesAsync(T0.AddMinutes(1), 10, CancellationToken.None)).Select(d => d.MessageId).ShouldBe(["m1", "m2"]);
        (await Store.ListDueAlertDeliveriesAsync(T0.AddMinutes(5), 1, CancellationToken.None)).Select(d => d.MessageId).ShouldBe(["m1"]);

        var failed = new AlertDeliveryAttempt(1, T0.AddSeconds(1), false, 503, "Service Unavailable", "The webhook is down.");
        await Store.RecordAlertAttemptAsync(ids[0], failed, T0.AddMinutes(10), CancellationToken.None);
        var health = (await Store.GetAlertRouteAsync(route, CancellationToken.None)).ShouldNotBeNull().Health;
        health.ShouldBe(new AlertRouteHealth(failed, 1, T0.AddMinutes(1)));
        await Store.RecordAlertAttemptAsync(ids[1], failed with { Number = 1, At = T0.AddMinutes(2) }, null, CancellationToken.None);
        var succeeded = new AlertDeliveryAttempt(2, T0.AddMinutes(10), true, 200, null, null);
        await Store.RecordAlertAttemptAsync(ids[0], succeeded, null, CancellationToken.None);

        var first = (await Store.GetAlertDeliveryAsync(ids[0], CancellationToken.None)).ShouldNotBeNull();
        first.Status.ShouldBe(AlertDeliveryStatus.Delivered);
        first.DeliveredAt.ShouldBe(T0.AddMinutes(10));
        first.NextAttemptAt.ShouldBeNull();
        first.Attempts.ShouldBe([failed, succeeded]);
        (await Store.GetAlertDeliveryAsync(ids[1], CancellationToken.None)).ShouldNotBeNull().Status.ShouldBe(AlertDeliveryStatus.Failed);
        (await Store.GetAlertRouteAsync(route, CancellationToken.None)).ShouldNotBeNull().Health.ShouldBe(new AlertRouteHealth(succeeded, 0, T0.AddMinutes(2)));
        (await Store.ListAlertDeliveriesAsync(route, 0, 2, CancellationToken.None)).Select(d => d.MessageId).ShouldBe(["m3", "m2"], "newest first");
        (await Store.ListAlertDeliveriesAsync(route, 2, 2, CancellationToken.None)).Select(d => d.MessageId).ShouldBe(["m1"]);
        (await Store.GetAlertDeliveryAsync(987_654, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task CallbackDeliveries_OfARun_AreListedWithTheirUrlAndSecret()
    {
        await Store.AddAlertDeliveriesAsync(
        [
            Delivery(0, "cb1", T0) with { RunId = 7, CallbackUrl = "https://example.com/cb", ProtectedCallbackSecret = "protected-cb" },
            Delivery(0, "cb2", T0) with { RunId = 8, CallbackUrl = "https://example.com/cb" },
        ], CancellationToken.None);
        var route = await Store.AddAlertRouteAsync(Route(0, "ops"), CancellationToken.None);
        await Store.AddAlertDeliveriesAsync([Delivery(route, "alert", T0) with { RunId = 7 }], CancellationToken.None);

        var callback = (await Store.ListCallbackDeliveriesAsync(7, CancellationToken.None)).ShouldHaveSingleItem();

        (callback.MessageId, callback.CallbackUrl, callback.ProtectedCallbackSecret, callback.Payload).ShouldBe(("cb1", "https://example.com/cb", "protected-cb", """{"kind":"run.failed"}"""));
    }

    private static ApiKeyRecord Key(string prefix, DateTimeOffset? createdAt = null) =>
        new(prefix, $"hash-{prefix}", ApiKeyScope.Tenant, "acme", $"key {prefix}", createdAt ?? T0, null);

    private static StoredPush Push(string payload) => new(0, "orders", "acme", payload, "req-1", null, null, T0, null);

    [Fact]
    public async Task HeldAlertDeliveries_AreListedByRouteAndLink_NeverDue_AndSettleOnceWithTheirDigest()
    {
        var route = await Store.AddAlertRouteAsync(Route(0, "chat") with { Delivery = new AlertRouteDelivery(AlertRouteDelivery.Slack, false, true) }, CancellationToken.None);
        (await Store.GetAlertRouteAsync(route, CancellationToken.None))!.Delivery.ShouldBe(new AlertRouteDelivery(AlertRouteDelivery.Slack, false, true));
        var held = Delivery(route, "h1", T0) with { Status = AlertDeliveryStatus.Held, NextAttemptAt = null };
        var ids = await Store.AddAlertDeliveriesAsync([held, held with { MessageId = "h2" }, held with { MessageId = "other", LinkId = "invoices" },
            held with { MessageId = "no-tenant", Tenant = null }], CancellationToken.None);

        (await Store.ListDueAlertDeliveriesAsync(T0.AddDays(1), 10, CancellationToken.None)).ShouldBeEmpty("held deliveries wait for their recovery's end");
        (await Store.NextAlertDeliveryDueAsync(CancellationToken.None)).ShouldBeNull();
        (await Store.ListHeldAlertDeliveriesAsync(route, "acme", "orders", CancellationToken.None)).Select(d => d.MessageId).ShouldBe(["h1", "h2"]);
        (await Store.ListHeldAlertDeliveriesAsync(route, null, "orders", CancellationToken.None)).Select(d => d.MessageId).ShouldBe(["no-tenant"]);

        var digest = await Store.SettleHeldAlertDeliveriesAsync([ids[0], ids[1]], AlertDeliveryStatus.Digested, Delivery(route, "digest", T0), CancellationToken.None);
        (await Store.GetAlertDeliveryAsync(ids[0], CancellationToken.None))!.Status.ShouldBe(AlertDeliveryStatus.Digested);
        (await Store.ListHeldAlertDeliveriesAsync(route, "acme", "orders", CancellationToken.None)).ShouldBeEmpty();
        (await Store.ListDueAlertDeliveriesAsync(T0, 10, CancellationToken.None)).ShouldHaveSingleItem().Id.ShouldBe(digest!.Value);
        // Settled already: a second settling (a redelivered end of recovery) leaves them as they are.
        (await Store.SettleHeldAlertDeliveriesAsync([ids[0]], AlertDeliveryStatus.Withdrawn, null, CancellationToken.None)).ShouldBeNull();
        (await Store.GetAlertDeliveryAsync(ids[0], CancellationToken.None))!.Status.ShouldBe(AlertDeliveryStatus.Digested);
        (await Store.ListHeldAlertDeliveriesAsync(route, "acme", "invoices", CancellationToken.None)).ShouldHaveSingleItem().MessageId.ShouldBe("other");
    }

    private static AlertRouteRecord Route(long id, string name) =>
        new(id, null, name, "https://example.com/hook", null, ["run.failed", "link.deactivated"], "protected-secret", T0, AlertRouteHealth.None);

    private static AlertDeliveryRecord Delivery(long routeId, string messageId, DateTimeOffset due) =>
        new(0, routeId, messageId, "run.failed", "acme", "orders", 7, """{"kind":"run.failed"}""", AlertDeliveryStatus.Pending, T0, due, null, []);

    /// <summary>Routes compared field by field (their kinds are lists, which records compare by reference).</summary>
    private sealed class RouteComparer : IEqualityComparer<AlertRouteRecord>
    {
        public bool Equals(AlertRouteRecord? x, AlertRouteRecord? y) =>
            x is not null && y is not null && x with { Kinds = Array.Empty<string>() } == y with { Kinds = Array.Empty<string>() } && x.Kinds.SequenceEqual(y.Kinds);

        public int GetHashCode(AlertRouteRecord obj) => obj.Id.GetHashCode();
    }
}
