using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Resync.Core.Recovery;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Auth;
using Resync.Server.Links;

namespace Resync.Server.Alerts;

/// <summary>
/// <c>/api/v1/alert-routes</c>: routes (tenant keys manage their tenant's; operators any, and "all tenants" routes),
/// their deliveries, and "send a test alert". Another tenant's route answers 404, as everything else does.
/// </summary>
internal static class AlertEndpoints
{
    public const string Root = "/api/v1/alert-routes";

    private const string Invalid = "invalid-alert-route";

    public static RouteGroupBuilder MapAlerts(this RouteGroupBuilder api) => api.MapResource("/alert-routes", "Alerts", routes =>
    {
        routes.MapGet("/", ListAsync).WithName("ListAlertRoutes");
        routes.MapPost("/", CreateAsync).WithName("CreateAlertRoute").ProducesProblem(400);
        routes.MapGet("/{routeId:long}", GetAsync).WithName("GetAlertRoute");
        routes.MapPut("/{routeId:long}", ReplaceAsync).WithName("ReplaceAlertRoute").ProducesProblem(400);
        routes.MapDelete("/{routeId:long}", DeleteAsync).WithName("DeleteAlertRoute");
        routes.MapGet("/{routeId:long}/deliveries", DeliveriesAsync).WithName("ListAlertDeliveries");
        routes.MapGet("/{routeId:long}/deliveries/{deliveryId:long}", DeliveryAsync).WithName("GetAlertDelivery");
        routes.MapPost("/{routeId:long}/test", TestAsync).WithName("SendTestAlert").Produces<AlertDeliveryDocument>(202);
    });

    private static async Task<Results<Ok<Page<AlertRouteDocument>>, ProblemHttpResult>> ListAsync(HttpContext http, IServerStore store, DeclaredAlertRoutes declared,
        [AsParameters] Paging paging)
    {
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        await declared.SyncAsync(null, http.RequestAborted);
        var caller = http.Caller();
        var visible = (await store.ListAlertRoutesAsync(http.RequestAborted)).Where(route => Sees(caller, route)).Skip(start).Take(count);
        return TypedResults.Ok(Page<AlertRouteDocument>.Of([.. visible.Select(AlertRouteDocument.From)], start, count));
    }

    private static async Task<Results<Created<CreatedAlertRoute>, ProblemHttpResult>> CreateAsync(HttpContext http, IServerStore store, AlertSecrets secrets,
        LinkRegistry links, ServerOptions options, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var (route, problem) = await ReadAsync(http, links, options, json.Value.SerializerOptions);
        if (problem is not null)
            return problem;
        var secret = WebhookSignature.NewSecret();
        var id = await store.AddAlertRouteAsync(route! with { ProtectedSecret = secrets.Protect(secret), CreatedAt = clock.GetUtcNow() }, http.RequestAborted);
        var created = await store.GetAlertRouteAsync(id, http.RequestAborted);
        return TypedResults.Created($"{Root}/{id}", new CreatedAlertRoute(secret, AlertRouteDocument.From(created!)));
    }

    private static async Task<Results<Ok<AlertRouteDocument>, ProblemHttpResult>> GetAsync(HttpContext http, IServerStore store, long routeId) =>
        await VisibleAsync(http, store, routeId) is { } route ? TypedResults.Ok(AlertRouteDocument.From(route)) : NotFound(routeId);

    private static async Task<Results<Ok<AlertRouteDocument>, ProblemHttpResult>> ReplaceAsync(HttpContext http, IServerStore store, LinkRegistry links,
        ServerOptions options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, long routeId)
    {
        if (await VisibleAsync(http, store, routeId) is not { } existing)
            return NotFound(routeId);
        if (Declared(existing) is { } declared)
            return declared;
        var (route, problem) = await ReadAsync(http, links, options, json.Value.SerializerOptions);
        if (problem is not null)
            return problem;
        if (!await store.UpdateAlertRouteAsync(route! with { Id = routeId }, http.RequestAborted))
            return NotFound(routeId);
        return TypedResults.Ok(AlertRouteDocument.From((await store.GetAlertRouteAsync(existing.Id, http.RequestAborted))!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(HttpContext http, IServerStore store, long routeId)
    {
        if (await VisibleAsync(http, store, routeId) is not { } route)
            return NotFound(routeId);
        if (Declared(route) is { } declared)
            return declared;
        return await store.DeleteAlertRouteAsync(routeId, http.RequestAborted) ? TypedResults.NoContent() : NotFound(routeId);
    }

    /// <summary>A route a link declares follows its link: changed or removed there, not through the API.</summary>
    private static ProblemHttpResult? Declared(AlertRouteRecord route) => route.Delivery.DeclaredBy is { } linkId
        ? Problems.Conflict("route-from-link", $"Route '{route.Name}' is declared in the alerts section of link '{linkId}': change or remove it there.")
        : null;

    private static async Task<Results<Ok<Page<AlertDeliveryDocument>>, ProblemHttpResult>> DeliveriesAsync(HttpContext http, IServerStore store, long routeId,
        [AsParameters] Paging paging)
    {
        if (await VisibleAsync(http, store, routeId) is null)
            return NotFound(routeId);
        if (paging.Check(50, out var start, out var count) is { } bad)
            return bad;
        var deliveries = await store.ListAlertDeliveriesAsync(routeId, start, count, http.RequestAborted);
        return TypedResults.Ok(Page<AlertDeliveryDocument>.Of([.. deliveries.Select(AlertDeliveryDocument.From)], start, count));
    }

    private static async Task<Results<Ok<AlertDeliveryDocument>, ProblemHttpResult>> DeliveryAsync(HttpContext http, IServerStore store, long routeId, long deliveryId)
    {
        if (await VisibleAsync(http, store, routeId) is null)
            return NotFound(routeId);
        return await store.GetAlertDeliveryAsync(deliveryId, http.RequestAborted) is { } delivery && delivery.RouteId == routeId
            ? TypedResults.Ok(AlertDeliveryDocument.From(delivery))
            : Problems.NotFound("alert delivery", Id(deliveryId));
    }

    /// <summary>Enqueues a <c>test</c> alert for this route only and answers once it was attempted (200), or 202 if the webhook is slow.</summary>
    private static async Task<Results<Ok<AlertDeliveryDocument>, Accepted<AlertDeliveryDocument>, ProblemHttpResult>> TestAsync(HttpContext http,
        IServerStore store, AlertOutbox outbox, AlertDeliveryService delivery, ServerOptions options, TimeProvider clock, long routeId)
    {
        if (await VisibleAsync(http, store, routeId) is not { } route)
            return NotFound(routeId);
        var requestId = http.Request.Headers["X-Request-Id"].FirstOrDefault();
        var alert = new Alert(AlertKinds.Test, route.LinkId ?? "", route.Tenant ?? "", null,
            $"Test alert for route '{route.Name}', sent on request of key {http.Caller().KeyPrefix}.", null, clock.GetUtcNow(), requestId);
        var id = (await outbox.EnqueueAsync(alert, [route], http.RequestAborted))[0];
        try
        {
            await delivery.WaitForAttemptAsync(id, options.AlertTimeout + TimeSpan.FromSeconds(5), http.RequestAborted);
        }
        catch (TimeoutException)
        {
            // Answered below as 202: the delivery goes on in the background.
        }
        var sent = AlertDeliveryDocument.From((await store.GetAlertDeliveryAsync(id, http.RequestAborted))!);
        return sent.Attempts.Count > 0 ? TypedResults.Ok(sent) : TypedResults.Accepted($"{Root}/{routeId}/deliveries/{id}", sent);
    }

    /// <summary>Tenant keys see their tenant's routes; "all tenants" routes and other tenants' are operators' only.</summary>
    private static bool Sees(Caller caller, AlertRouteRecord route) =>
        caller.IsOperator || (route.Tenant is not null && caller.Sees(route.Tenant));

    private static async Task<AlertRouteRecord?> VisibleAsync(HttpContext http, IServerStore store, long routeId) =>
        await store.GetAlertRouteAsync(routeId, http.RequestAborted) is { } route && Sees(http.Caller(), route) ? route : null;

    private static ProblemHttpResult NotFound(long routeId) => Problems.NotFound("alert route", Id(routeId));

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads and checks a route request; the route (secret and time not set) or a problem naming what is wrong.</summary>
    private static async Task<(AlertRouteRecord? Route, ProblemHttpResult? Problem)> ReadAsync(HttpContext http, LinkRegistry links, ServerOptions options,
        JsonSerializerOptions json)
    {
        var (request, problem) = await JsonBody.ReadAsync<AlertRouteRequest>(http.Request, json);
        if (problem is not null)
            return (null, problem);
        var caller = http.Caller();
        var name = request!.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            return Bad("Give the route a 'name', e.g. \"ops pager\".");
        if (name.Length > 200)
            return Bad($"'name' is {name.Length} characters long; at most 200.");
        if (string.IsNullOrWhiteSpace(request.Url))
            return Bad("Give the webhook's 'url' (http or https), e.g. \"https://alerts.example.com/resync\", or for e-mail \"mailto:ops@example.com\".");
        var format = request.Format ?? (request.Url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase) ? AlertRouteDelivery.Email : AlertRouteDelivery.Webhook);
        if (!AlertRouteDelivery.Formats.Contains(format, StringComparer.Ordinal))
            return Bad($"'format' may be {string.Join(", ", AlertRouteDelivery.Formats)}; found '{format}'.");
        var delivery = new AlertRouteDelivery(format, request.HoldDuringRecovery ?? true, request.RecoveredNote ?? false);
        if (format == AlertRouteDelivery.Email)
        {
            if (!request.Url.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
                return Bad($"An e-mail route's 'url' is mailto: and the addresses, e.g. \"mailto:ops@example.com\"; found '{Core.Errors.SecretText.Mask(request.Url)}'.");
            var recipients = SmtpAlertSender.Recipients(request.Url);
            if (recipients.Count is 0 or > AlertDestinations.MaxRecipients)
                return Bad($"An e-mail route names 1 to {AlertDestinations.MaxRecipients} addresses after mailto:; found {recipients.Count}.");
            if (recipients.FirstOrDefault(r => !AlertDestinations.IsEmailAddress(r)) is { } wrong)
                return Bad($"'url' holds '{wrong}', which is not an e-mail address.");
            if (AlertDestinationRules.Refuse(new Uri("mailto:" + recipients[0]), options) is { } noMail)
                return Bad($"{char.ToUpperInvariant(noMail[0])}{noMail[1..]}. Use a webhook or slack route.");
            return Route(caller, request, links, name, AlertDestinations.MailTo(recipients), [.. request.Kinds ?? []], delivery);
        }
        var (url, wrongUrl) = AlertDestinations.WebUrl(request.Url);
        if (wrongUrl is not null)
            return Bad($"'url' {wrongUrl}." + (url is null && format == AlertRouteDelivery.Webhook && !wrongUrl.StartsWith("may not", StringComparison.Ordinal)
                ? " An e-mail route's url is mailto:, e.g. mailto:ops@example.com." : ""));
        if (AlertDestinationRules.Refuse(url!, options) is { } refused)
            return Bad($"'url' {refused}");
        return Route(caller, request, links, name, url!.AbsoluteUri, [.. request.Kinds ?? []], delivery);
    }

    /// <summary>The rest of a route's checks (kinds, tenant, link), the same for every format.</summary>
    private static (AlertRouteRecord? Route, ProblemHttpResult? Problem) Route(Caller caller, AlertRouteRequest request, LinkRegistry links, string name, string url,
        IReadOnlyList<string> kinds, AlertRouteDelivery delivery)
    {
        if (kinds.FirstOrDefault(kind => !AlertKinds.All.Contains(kind, StringComparer.Ordinal)) is { } unknown)
            return Bad($"'kinds' may hold {string.Join(", ", AlertKinds.All)}; found '{unknown}'.");

        var tenant = request.Tenant;
        if (!caller.IsOperator)
        {
            if (tenant is not null && tenant != caller.Tenant)
                return Bad($"A tenant key manages its own tenant's routes: leave 'tenant' out or give '{caller.Tenant}'; found '{tenant}'.");
            tenant = caller.Tenant;
        }
        if (request.LinkId is { } linkId)
        {
            if (links.Find(linkId) is not { } link || !caller.Sees(link.Tenant))
                return Bad($"'linkId' names no link: there is no link '{linkId}'.");
            if (tenant is not null && tenant != link.Tenant)
                return Bad($"Link '{linkId}' belongs to tenant '{link.Tenant}', not '{tenant}': leave 'tenant' out or give '{link.Tenant}'.");
            tenant = link.Tenant;
        }
        return (new AlertRouteRecord(0, tenant, name, url, request.LinkId, [.. kinds.Distinct(StringComparer.Ordinal)], "", default, AlertRouteHealth.None)
            { Delivery = delivery }, null);
    }

    private static (AlertRouteRecord?, ProblemHttpResult?) Bad(string detail) => (null, Problems.BadRequest(Invalid, detail));
}
