using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Auth;

namespace Resync.Server.Keys;

/// <summary><c>/api/v1/keys</c>, for operators only (the <see cref="OperatorOnly"/> policy: tenant keys get 404, as for anything not theirs): list, create, revoke.</summary>
internal static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder api) => api.MapResource("/keys", "Keys", keys =>
    {
        var operatorOnly = ResyncAuthentication.OperatorOnly("resource", _ => "keys");
        keys.MapGet("/", ListAsync).WithName("ListKeys").RequireAuthorization(operatorOnly);
        keys.MapPost("/", CreateAsync).WithName("CreateKey").RequireAuthorization(operatorOnly);
        keys.MapDelete("/{prefix}", RevokeAsync).WithName("RevokeKey")
            .RequireAuthorization(ResyncAuthentication.OperatorOnly("key", http => http.Request.RouteValues["prefix"]?.ToString() ?? ""));
    });

    private static async Task<Results<Ok<IReadOnlyList<KeyDocument>>, ProblemHttpResult>> ListAsync(HttpContext http, ApiKeyService keys)
    {
        return TypedResults.Ok<IReadOnlyList<KeyDocument>>([.. (await keys.ListAsync(http.RequestAborted)).Select(KeyDocument.From)]);
    }

    private static async Task<Results<Created<CreatedKey>, ProblemHttpResult>> CreateAsync(HttpContext http, ApiKeyService keys)
    {
        if (!RequestBody.IsJson(http.Request))
            return Problems.UnsupportedMediaType("application/json", http.Request.ContentType);
        var (body, tooLarge) = await RequestBody.ReadAsync(http.Request, 64 * 1024);
        if (tooLarge is not null)
            return tooLarge;
        NewKey? request;
        try
        {
            request = JsonSerializer.Deserialize<NewKey>(body.Span, JsonSerializerOptions.Web);
        }
        catch (JsonException exception)
        {
            return Problems.BadRequest("malformed-json", $"The body is not valid JSON: {exception.Message}");
        }
        if (request is null || !Enum.TryParse<ApiKeyScope>(request.Scope, ignoreCase: true, out var scope))
            return Problems.BadRequest("invalid-key", "Give scope 'operator' or 'tenant' (with tenant), and a name.");
        try
        {
            var (record, key) = await keys.CreateAsync(scope, scope == ApiKeyScope.Tenant ? request.Tenant : null, request.Name ?? "", http.RequestAborted);
            return TypedResults.Created($"/api/v1/keys/{record.Prefix}", new CreatedKey(key, KeyDocument.From(record)));
        }
        catch (ArgumentException exception)
        {
            return Problems.BadRequest("invalid-key", exception.Message);
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(HttpContext http, ApiKeyService keys, string prefix)
    {
        if (!await keys.RevokeAsync(prefix, http.RequestAborted))
            return Problems.NotFound("key", prefix);
        return TypedResults.NoContent();
    }
}
