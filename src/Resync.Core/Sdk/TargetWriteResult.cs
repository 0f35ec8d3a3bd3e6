namespace Resync.Core.Sdk;

/// <summary>What a target did with a batch: every record not listed in <see cref="Issues"/> was written.</summary>
public sealed record TargetWriteResult(IReadOnlyList<TargetRecordIssue> Issues)
{
    /// <summary>Every record was written.</summary>
    public static TargetWriteResult AllWritten { get; } = new([]);
}
