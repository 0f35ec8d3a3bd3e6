namespace Resync.Core.Runs;

/// <summary>A batch's lifecycle state. Allowed changes are listed in <see cref="BatchTransitions"/>.</summary>
public enum BatchStatus
{
    Processing,
    Succeeded,

    /// <summary>The batch finished, but some of its records failed.</summary>
    CompletedWithErrors,

    /// <summary>The batch failed as a whole (its page could not be fetched, or the target refused the batch).</summary>
    Failed,

    /// <summary>The process died while the batch was processing.</summary>
    Interrupted,
}
