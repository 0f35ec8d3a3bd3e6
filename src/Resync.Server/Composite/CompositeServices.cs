using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>
/// What the composite endpoints use, bound with <c>[AsParameters]</c> (as eShop's <c>CatalogServices</c>); each property
/// matches a constructor parameter, as that binding requires.
/// </summary>
internal sealed class CompositeServices(LinkRegistry links, IServerStore store, IServer server, IHttpClientFactory clients, TimeProvider clock,
    RunLauncher launcher, IRunQueries queries, IdempotencyGate idempotency, SubrequestRoutes routes, ServerOptions options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public LinkRegistry Links { get; } = links;

    public IServerStore Store { get; } = store;

    public IServer Server { get; } = server;

    public IHttpClientFactory Clients { get; } = clients;

    public TimeProvider Clock { get; } = clock;

    public RunLauncher Launcher { get; } = launcher;

    public IRunQueries Queries { get; } = queries;

    public IdempotencyGate Idempotency { get; } = idempotency;

    public SubrequestRoutes Routes { get; } = routes;

    public ServerOptions Options { get; } = options;

    /// <summary>The API's JSON options (the answers are serialized with them).</summary>
    public IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> Json { get; } = json;
}
