namespace Resync.Core.Runs;

/// <summary>The one table of allowed batch state changes.</summary>
public static class BatchTransitions
{
    public static bool CanTransition(BatchStatus from, BatchStatus to) =>
        from == BatchStatus.Processing && to != BatchStatus.Processing;

    /// <summary>Throws <see cref="InvalidTransitionException"/> unless the change is allowed.</summary>
    public static void Ensure(BatchStatus from, BatchStatus to)
    {
        if (!CanTransition(from, to))
            throw new InvalidTransitionException("batch", from.ToString(), to.ToString());
    }
}
