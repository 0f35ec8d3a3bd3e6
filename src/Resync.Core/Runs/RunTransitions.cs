namespace Resync.Core.Runs;

/// <summary>The one table of allowed run state changes; every change goes through <see cref="Ensure"/>.</summary>
public static class RunTransitions
{
    /// <summary>True when the run has ended (a final state may still become Succeeded through its retry chain).</summary>
    public static bool IsFinal(this RunStatus status) => status != RunStatus.Running;

    public static bool CanTransition(RunStatus from, RunStatus to) => (from, to) switch
    {
        (RunStatus.Running, RunStatus.Succeeded or RunStatus.CompletedWithErrors or RunStatus.Failed or RunStatus.Interrupted) => true,
        // A retry chain that eventually succeeds for everything turns its root into a success; history keeps the failure.
        (RunStatus.CompletedWithErrors or RunStatus.Failed or RunStatus.Interrupted, RunStatus.Succeeded) => true,
        _ => false,
    };

    /// <summary>Throws <see cref="InvalidTransitionException"/> unless the change is allowed.</summary>
    public static void Ensure(RunStatus from, RunStatus to)
    {
        if (!CanTransition(from, to))
            throw new InvalidTransitionException("run", from.ToString(), to.ToString());
    }
}
