using Resync.Core.Links;

namespace Resync.Core.Storage;

/// <summary>A link as the store knows it: tenant, health, watermark, last run and its stored definition.</summary>
public sealed record LinkView(
    string Id,
    string Tenant,
    LinkHealth Health,
    string? Watermark,
    long? LastRunId,
    LinkDefinition? Definition);
