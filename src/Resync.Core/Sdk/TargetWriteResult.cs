using Resync.Core.Errors;

namespace Resync.Core.Sdk;

/// <summary>What a target did with a batch: every record not listed in <see cref="Issues"/> was written.</summary>
public sealed record TargetWriteResult(IReadOnlyList<TargetRecordIssue> Issues)
{
    /// <summary>Every record was written.</summary>
    public static TargetWriteResult AllWritten { get; } = new([]);

    /// <summary>
    /// Why the target stopped partway through the batch (unreachable, credentials refused, rate limited past its retries),
    /// or null. The records it lists with this error were not written (or not known to be); the others were, and count
    /// as written: the engine parks the unwritten ones and stops the run as it would for a failed batch write, instead of
    /// writing the whole batch again later. A target that cannot tell what it wrote throws instead.
    /// </summary>
    public ErrorClassification? StoppedBy { get; init; }
}
