using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;
using Resync.Core.Storage;
using Resync.Server.Api;
using Resync.Server.Links;
using Resync.Server.Runs;

namespace Resync.Server.Composite;

/// <summary>
/// What the composite endpoints use, bound with <c>[AsParameters]</c> (as eShop's <c>CatalogServices</c>): a positional record,
/// so that each property is its constructor parameter, as that binding requires. <c>Json</c> holds the API's JSON options (the
/// answers are serialized with them).
/// </summary>
internal sealed record CompositeServices(LinkRegistry Links, IServerStore Store, IServer Server, IHttpClientFactory Clients, TimeProvider Clock,
    RunLauncher Launcher, IRunQueries Queries, IdempotencyGate Idempotency, SubrequestRoutes Routes, ServerOptions Options,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> Json);
