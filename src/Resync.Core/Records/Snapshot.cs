namespace Resync.Core.Records;

/// <summary>A record's field values before the steps and after them (what was sent to the target).</summary>
/// <param name="Before">The values as the source gave them.</param>
/// <param name="After">
/// The values after the steps: what was sent to the target; for a record a step failed or ignored, the values as they were
/// when that step stopped it (so the person sees what the earlier steps had made of it); null when no step ran (a record
/// the source could not read).
/// </param>
public sealed record Snapshot(IReadOnlyDictionary<string, object?> Before, IReadOnlyDictionary<string, object?>? After);
