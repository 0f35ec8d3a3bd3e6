using Microsoft.Extensions.Options;
using Resync.Core.Storage;
using Resync.Server.Alerts;
using Resync.Server.Api;
using Resync.Server.Links;

namespace Resync.Server.Push;

/// <summary>
/// What the push endpoints use, bound with <c>[AsParameters]</c> (as eShop's <c>CatalogServices</c>): a positional record, so
/// that each property is its constructor parameter, as that binding requires.
/// </summary>
internal sealed record PushServices(LinkRegistry Links, IServerStore Store, PushProcessor Processor, IRunQueries Queries, IRecoveryStore Recovery,
    IdempotencyGate Idempotency, AlertSecrets Secrets, ServerOptions Options, TimeProvider Clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> Json,
    PushLinkStates LinkStates);
