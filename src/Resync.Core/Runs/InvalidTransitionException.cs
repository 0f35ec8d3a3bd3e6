namespace Resync.Core.Runs;

/// <summary>Thrown when code asks for a lifecycle change that the state machine does not allow: a bug, never data.</summary>
public sealed class InvalidTransitionException(string entity, string from, string to)
    : InvalidOperationException($"A {entity} cannot go from {from} to {to}.")
{
    public string Entity { get; } = entity;
    public string From { get; } = from;
    public string To { get; } = to;
}
