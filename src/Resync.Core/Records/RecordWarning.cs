namespace Resync.Core.Records;

/// <summary>A note attached to a record that never blocks its success (e.g. a value was truncated).</summary>
/// <param name="Step">The step that raised it.</param>
/// <param name="Code">A stable code, e.g. <c>TRUNCATED</c>.</param>
/// <param name="Message">What happened.</param>
/// <param name="Field">The field concerned, if any.</param>
public sealed record RecordWarning(string Step, string Code, string Message, string? Field = null);
