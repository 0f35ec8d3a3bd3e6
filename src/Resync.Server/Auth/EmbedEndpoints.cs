using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Resync.Server.Api;
using Resync.Server.Links;

namespace Resync.Server.Auth;

/// <summary>
/// <c>/api/v1/embed-tokens</c>: an operator or a tenant makes a signed, expiring link to the embeddable view of one tenant
/// (optionally one link), to view or to view and retry its failed records; <c>GET /embed-tokens/current</c> tells a page
/// what its token grants.
/// </summary>
internal static class EmbedEndpoints
{
    public static RouteGroupBuilder MapEmbedTokens(this RouteGroupBuilder api) => api.MapResource("/embed-tokens", "Embedded view", tokens =>
    {
        tokens.MapPost("/", CreateAsync).WithName("CreateEmbedToken").ProducesProblem(400);
        tokens.MapGet("/current", Current).WithName("GetEmbedScope");
    });

    private static async Task<Results<Created<EmbedTokenAnswer>, ProblemHttpResult>> CreateAsync(HttpContext http, EmbedTokens tokens, LinkRegistry links,
        TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var caller = http.Caller();
        var (request, problem) = await JsonBody.ReadAsync<EmbedTokenRequest>(http.Request, json.Value.SerializerOptions);
        if (problem is not null)
            return problem;
        request ??= new EmbedTokenRequest(null, null, null, null);
        string? tenant = caller.IsOperator ? request.Tenant : caller.Tenant;
        if (!caller.IsOperator && request.Tenant is not null && request.Tenant != caller.Tenant)
            return Problems.BadRequest("invalid-embed-token", $"A tenant key makes views of its own tenant only; leave 'tenant' out or give '{caller.Tenant}'.");
        if (request.LinkId is { } linkId)
        {
            if (links.Find(linkId) is not { } link || !caller.Sees(link.Tenant) || (tenant is not null && link.Tenant != tenant))
                return Problems.NotFound("link", linkId);
            tenant = link.Tenant;
        }
        if (tenant is null)
            return Problems.BadRequest("invalid-embed-token", "An operator's view names its 'tenant' (or a 'linkId', whose tenant it takes).");
        var permission = request.Permission switch
        {
            null or "view" => EmbedPermission.View,
            "retry" => EmbedPermission.ViewAndRetry,
            var other => (EmbedPermission?)null,
        };
        if (permission is null)
            return Problems.BadRequest("invalid-embed-token", $"'permission' is 'view' or 'retry'; found '{request.Permission}'.");
        var lifetime = TimeSpan.FromMinutes(request.ExpiresInMinutes ?? 60);
        if (lifetime <= TimeSpan.Zero || lifetime > EmbedTokens.MaxLifetime)
            return Problems.BadRequest("invalid-embed-token", $"'expiresInMinutes' is between 1 and {EmbedTokens.MaxLifetime.TotalMinutes:N0}; found {request.ExpiresInMinutes}.");
        var scope = new EmbedScope(tenant, request.LinkId, permission.Value, caller.KeyPrefix, clock.GetUtcNow() + lifetime);
        var token = tokens.Create(scope);
        var url = $"/embed?token={Uri.EscapeDataString(token)}";
        var iframe = $"<iframe src=\"{url}\" title=\"Failed records\" width=\"100%\" height=\"600\"></iframe>";
        return TypedResults.Created(url, new EmbedTokenAnswer(token, url, iframe, scope));
    }

    private static Results<Ok<EmbedScope>, ProblemHttpResult> Current(HttpContext http) =>
        http.EmbedScope() is { } scope ? TypedResults.Ok(scope) : Problems.NotFound("embedded-view token", "current");
}
