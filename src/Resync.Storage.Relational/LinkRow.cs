using Resync.Core.Links;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>A link as <see cref="RecoveryStatements.SelectLinks"/> reads it.</summary>
/// <remarks>
/// A class with setters rather than a positional record: Dapper then converts column by column, which it cannot do for
/// computed columns of an empty result (their type is unknown until a row comes).
/// </remarks>
internal sealed class LinkRow
{
    public string Id { get; set; } = "";
    public string Tenant { get; set; } = "";
    public string State { get; set; } = "";
    public string? StateReason { get; set; }
    public long ConsecutiveFailures { get; set; }
    public long BackoffAttempts { get; set; }
    public string? NextAttemptAt { get; set; }
    public string? Watermark { get; set; }
    public long LastRunId { get; set; }
    public string? Definition { get; set; }
    public string? DefinitionPath { get; set; }
    public string? BaseDirectory { get; set; }

    public LinkView ToView() => new(Id, Tenant,
        new LinkHealth(Enum.Parse<LinkState>(State), StateReason, (int)ConsecutiveFailures, (int)BackoffAttempts, StoredTime.OptionalTime(NextAttemptAt)),
        Watermark, LastRunId == 0 ? null : LastRunId, Definition is null ? null : new LinkDefinition(Definition, DefinitionPath ?? "", BaseDirectory ?? "."));
}
