using System.Collections.Frozen;
using System.Globalization;
using Resync.Core.Storage;
using Resync.Server.Api;

namespace Resync.Server.Auth;

/// <summary>
/// What an embedded-view token reaches: the routes that show runs and their failed records, and the retry routes when it
/// may retry; nothing else (404, as for anything not the caller's; 403 <c>embed-view-only</c> for a retry it may not make).
/// Inside them it is a tenant caller, so the routes' own tenant checks apply; a token scoped to one link also reaches that
/// link's runs only. Callers with a key or a session pass.
/// </summary>
public sealed class EmbedRoutes : ApiRequirement
{
    private static readonly FrozenSet<string> ViewRoutes =
        FrozenSet.Create(StringComparer.Ordinal, "ListRuns", "GetRun", "ListRecords", "GetRecord", "ListErrorGroups", "GetRunErrors", "ListBatches", "GetEmbedScope");

    private static readonly FrozenSet<string> RetryRoutes = FrozenSet.Create(StringComparer.Ordinal, "RetryFailures", "RetryErrorGroup");

    protected override async ValueTask<IResult?> CheckAsync(HttpContext http, Caller caller)
    {
        if (http.EmbedScope() is not { } scope)
            return null;
        var route = http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
        var allowed = route is not null && (ViewRoutes.Contains(route) || (scope.Permission == EmbedPermission.ViewAndRetry && RetryRoutes.Contains(route)));
        if (!allowed)
        {
            return route is not null && RetryRoutes.Contains(route)
                ? Problems.Of(StatusCodes.Status403Forbidden, "embed-view-only", "Forbidden", "This embedded view may show failed records but not retry them.")
                : Problems.NotFound("route", http.Request.Path);
        }
        if (scope.LinkId is { } link && !await WithinLinkAsync(http, route!, link))
            return Problems.NotFound("run", http.Request.RouteValues["runId"]?.ToString() ?? http.Request.Query["linkId"].ToString());
        return null;
    }

    private static async Task<bool> WithinLinkAsync(HttpContext http, string route, string link)
    {
        if (route == "ListRuns")
            return http.Request.Query["linkId"] is { Count: 1 } asked && asked[0] == link;
        if (!http.Request.RouteValues.TryGetValue("runId", out var value))
            return true;
        if (!long.TryParse(value?.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var runId))
            return false;
        var run = await http.RequestServices.GetRequiredService<IRunQueries>().GetRunAsync(runId, http.RequestAborted);
        return run is not null && run.LinkId == link;
    }
}
