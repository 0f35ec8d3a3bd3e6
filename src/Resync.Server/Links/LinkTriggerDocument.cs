namespace Resync.Server.Links;

/// <summary>When a link runs, as the API shows it.</summary>
public sealed record LinkTriggerDocument(string? Schedule, bool Manual, bool Push);
