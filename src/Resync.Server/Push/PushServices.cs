using Microsoft.Extensions.Options;
using Resync.Core.Storage;
using Resync.Server.Alerts;
using Resync.Server.Api;
using Resync.Server.Links;

namespace Resync.Server.Push;

/// <summary>
/// What the push endpoints use, bound with <c>[AsParameters]</c> (as eShop's <c>CatalogServices</c>); each property matches a
/// constructor parameter, as that binding requires.
/// </summary>
internal sealed class PushServices(LinkRegistry links, IServerStore store, PushProcessor processor, IRunQueries queries, IRecoveryStore recovery,
    IdempotencyGate idempotency, AlertSecrets secrets, ServerOptions options, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    PushLinkStates linkStates)
{
    public LinkRegistry Links { get; } = links;

    public IServerStore Store { get; } = store;

    public PushProcessor Processor { get; } = processor;

    public IRunQueries Queries { get; } = queries;

    public IRecoveryStore Recovery { get; } = recovery;

    public IdempotencyGate Idempotency { get; } = idempotency;

    public AlertSecrets Secrets { get; } = secrets;

    public ServerOptions Options { get; } = options;

    public TimeProvider Clock { get; } = clock;

    public IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> Json { get; } = json;

    public PushLinkStates LinkStates { get; } = linkStates;
}
