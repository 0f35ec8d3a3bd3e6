namespace Resync.Core.Errors;

/// <summary>An error as stored and shown: where it happened, what it was and how to fix it.</summary>
/// <param name="Scope">System, Batch or Record.</param>
/// <param name="Type">The taxonomy type.</param>
/// <param name="Durability">Ephemeral or durable.</param>
/// <param name="Code">A stable code.</param>
/// <param name="Message">What happened.</param>
/// <param name="Step">The step (or <c>source</c>/<c>target</c>) where it happened.</param>
/// <param name="Fields">The field names involved.</param>
/// <param name="Hint">A hint toward the fix.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="Attempt">Which attempt of the call this was (1 = first).</param>
public sealed record ResyncError(
    ErrorScope Scope,
    ErrorType Type,
    Durability Durability,
    string Code,
    string Message,
    string? Step,
    IReadOnlyList<string> Fields,
    string? Hint,
    DateTimeOffset OccurredAt,
    int Attempt);
