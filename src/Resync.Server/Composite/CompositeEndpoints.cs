using Microsoft.AspNetCore.Http.HttpResults;
using Resync.Server.Api;

namespace Resync.Server.Composite;

/// <summary>
/// The composite API (Salesforce's composite resources on Resync): <c>POST /api/v1/composite/batch</c>,
/// <c>/composite/tree/{linkId}</c> and <c>/composite</c>. A record operation is <c>POST /api/v1/links/{linkId}/records</c>
/// with one record as body, written through the link's steps and target; any other <c>/api/v1/…</c> URL is called on
/// this server with the caller's key. See docs/server.md, "Composite API". The handlers read the body
/// (<see cref="CompositeRequestReader"/>) and hand a valid call to a <see cref="CompositeExecutor"/>.
/// </summary>
internal static class CompositeEndpoints
{
    public static RouteGroupBuilder MapComposite(this RouteGroupBuilder api)
    {
        api.MapPost("/composite/batch", BatchAsync).WithTags("Composite").WithName("CompositeBatch").Produces<CompositeAnswer>(200);
        api.MapPost("/composite/tree/{linkId}", TreeAsync).WithTags("Composite").WithName("CompositeTree").Produces<CompositeAnswer>(200);
        api.MapPost("/composite", CompositeAsync).WithTags("Composite").WithName("Composite").Produces<CompositeAnswer>(200);
        return api;
    }

    private static Task<Results<JsonAnswer, BadRequest<IReadOnlyList<CompositeError>>, ProblemHttpResult>> BatchAsync(HttpContext http,
        [AsParameters] CompositeServices services) =>
        SubrequestsAsync(http, services, body => CompositeRequestReader.ReadBatch(body.Span, services.Routes), (executor, request) => executor.BatchAsync(request));

    private static Task<Results<JsonAnswer, BadRequest<IReadOnlyList<CompositeError>>, ProblemHttpResult>> CompositeAsync(HttpContext http,
        [AsParameters] CompositeServices services) =>
        SubrequestsAsync(http, services, body => CompositeRequestReader.ReadComposite(body.Span, services.Routes), (executor, request) => executor.CompositeAsync(request));

    /// <summary>A batch or composite call: read whole and refused with every problem at once, or carried out once per Idempotency-Key.</summary>
    private static async Task<Results<JsonAnswer, BadRequest<IReadOnlyList<CompositeError>>, ProblemHttpResult>> SubrequestsAsync(HttpContext http,
        CompositeServices services, Func<ReadOnlyMemory<byte>, CompositeRequest> read, Func<CompositeExecutor, CompositeRequest, Task<JsonAnswer>> run)
    {
        var (body, problem) = await ReadBodyAsync(http.Request, services.Options);
        if (problem is not null)
            return problem;
        var request = read(body);
        if (request.Errors.Count > 0)
            return TypedResults.BadRequest(request.Errors);
        var executor = new CompositeExecutor(http, services);
        if (request.AllOrNone && executor.AllOrNoneRefusal(request.LinkId!) is { } refusal)
            return TypedResults.BadRequest<IReadOnlyList<CompositeError>>([refusal]);
        return await OnceAsync(http, body, services, () => run(executor, request));
    }

    private static async Task<Results<JsonAnswer, BadRequest<IReadOnlyList<CompositeError>>, ProblemHttpResult>> TreeAsync(HttpContext http, string linkId,
        [AsParameters] CompositeServices services)
    {
        // The link is in the path: an unknown or foreign link is a 404 problem before anything else, as on every route with an id.
        var executor = new CompositeExecutor(http, services);
        var (entry, source, refused) = await executor.FindPushLinkAsync(linkId);
        if (refused is not null)
            return refused.StatusCode == 404 ? Problems.NotFound("link", linkId) : Problems.Conflict(refused.Errors[0].ErrorCode.ToLowerInvariant().Replace('_', '-'), refused.Errors[0].Message);
        var (body, problem) = await ReadBodyAsync(http.Request, services.Options);
        if (problem is not null)
            return problem;
        var tree = CompositeRequestReader.ReadTree(body.Span);
        if (tree.Errors.Count > 0)
            return TypedResults.BadRequest(tree.Errors);
        if (!CompositeExecutor.IsTransactional(entry!))
            return TypedResults.BadRequest<IReadOnlyList<CompositeError>>([CompositeExecutor.NotTransactional(entry!.Id)]);
        return await OnceAsync(http, body, services, () => executor.TreeAsync(entry!, source!, tree.Records));
    }

    private static async Task<(ReadOnlyMemory<byte> Body, ProblemHttpResult? Problem)> ReadBodyAsync(HttpRequest request, ServerOptions options) =>
        RequestBody.IsJson(request)
            ? await RequestBody.ReadAsync(request, options.MaxBodyBytes)
            : (default, Problems.UnsupportedMediaType("application/json", request.ContentType));

    /// <summary>The call's work behind its Idempotency-Key: the work's answer (new or replayed), or a problem with the key.</summary>
    private static async Task<Results<JsonAnswer, BadRequest<IReadOnlyList<CompositeError>>, ProblemHttpResult>> OnceAsync(HttpContext http,
        ReadOnlyMemory<byte> body, CompositeServices services, Func<Task<JsonAnswer>> work) =>
        await services.Idempotency.RunAsync(http, body, async () => await work()) switch
        {
            JsonAnswer answer => answer,
            ProblemHttpResult problem => problem,
            var other => throw new InvalidOperationException($"The idempotency gate answered {other.GetType().Name}."),
        };
}
