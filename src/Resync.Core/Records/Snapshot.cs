namespace Resync.Core.Records;

/// <summary>A record's field values before the steps and after them (what was sent to the target).</summary>
/// <param name="Before">The values as the source gave them.</param>
/// <param name="After">The values after the steps, or null when a step stopped the record before the end.</param>
public sealed record Snapshot(IReadOnlyDictionary<string, object?> Before, IReadOnlyDictionary<string, object?>? After);
