namespace Resync.Core.Runs;

/// <summary>A run's lifecycle state. Allowed changes are listed in <see cref="RunTransitions"/>.</summary>
public enum RunStatus
{
    Running,

    /// <summary>Every record succeeded or was ignored, and no batch failed.</summary>
    Succeeded,

    /// <summary>The run finished, but some records or batches failed.</summary>
    CompletedWithErrors,

    /// <summary>A system error stopped the run.</summary>
    Failed,

    /// <summary>The process running it died; found at the next start.</summary>
    Interrupted,
}
