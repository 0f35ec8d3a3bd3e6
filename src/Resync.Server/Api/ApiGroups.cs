namespace Resync.Server.Api;

/// <summary>
/// How a route table joins the API: its routes in a group of <c>/api/v1</c> (so they take that group's key policy and its
/// 401 and 404 refusals), under one tag of the OpenAPI document. Each table then lists only its routes.
/// </summary>
internal static class ApiGroups
{
    /// <summary>Maps <paramref name="routes"/> under <paramref name="prefix"/>, tagged <paramref name="tag"/>; returns the API group for the next table.</summary>
    public static RouteGroupBuilder MapResource(this RouteGroupBuilder api, string prefix, string tag, Action<RouteGroupBuilder> routes)
    {
        routes(api.MapGroup(prefix).WithTags(tag));
        return api;
    }
}
