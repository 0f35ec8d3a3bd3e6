using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Connectors.Breakers;
using Resync.Server.Api;
using Resync.Server.Auth;

namespace Resync.Server.Breakers;

/// <summary>
/// <c>GET /api/v1/breakers</c>: the circuit breakers of the connections links have called (an HTTP host and port, a database),
/// each with its state. A tenant key sees its own tenant's breakers only; an operator key every tenant's.
/// </summary>
internal static class BreakerEndpoints
{
    public static RouteGroupBuilder MapBreakers(this RouteGroupBuilder api) =>
        api.MapResource("/breakers", "Breakers", breakers => breakers.MapGet("/", List).WithName("ListBreakers"));

    private static Results<Ok<Page<ConnectionBreakerState>>, ProblemHttpResult> List(HttpContext http, ConnectionBreakers breakers, [AsParameters] Paging paging)
    {
        if (paging.Check(100, out var start, out var count) is { } bad)
            return bad;
        var caller = http.Caller();
        return TypedResults.Ok(Page<ConnectionBreakerState>.Of([.. breakers.States.Where(state => caller.Sees(state.Tenant)).Skip(start).Take(count)], start, count));
    }
}
