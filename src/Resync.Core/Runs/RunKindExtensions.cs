namespace Resync.Core.Runs;

/// <summary>The rules of <see cref="RunKind"/>, in one place for the engine, the recovery runner and the stores.</summary>
public static class RunKindExtensions
{
    /// <summary>
    /// A pull run: one that read its link's source from the link's watermark (started by hand or by the schedule). Only such a
    /// run, when its process dies, moves the watermark past what it committed and is parked at its last page: a push's records
    /// died with the process, and a recovery run's remainder is its parent's (which a resume that had read on takes over:
    /// <see cref="CrashedResume"/>).
    /// </summary>
    public static bool IsPull(this RunKind kind) => kind is RunKind.Manual or RunKind.Scheduled;
}
