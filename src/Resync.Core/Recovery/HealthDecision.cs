using Resync.Core.Links;

namespace Resync.Core.Recovery;

/// <summary>The link's health after a run, and the alert to raise (if any).</summary>
public sealed record HealthDecision(LinkHealth Health, string? AlertKind, string? AlertMessage);
