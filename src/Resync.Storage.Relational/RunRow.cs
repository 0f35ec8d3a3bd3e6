using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>A run as <see cref="RunStatements.SelectRuns"/> reads it.</summary>
internal sealed record RunRow(long Id, string LinkId, string Tenant, string Kind, string Status, string Trigger, long? ParentRunId, string? RequestId,
    string StartedAt, string? EndedAt, long Read, long Succeeded, long Failed, long Ignored, long Incomplete, long Warnings,
    long BatchesTotal, long BatchesFailed, string? SystemError, long? RootRunId, long CarriesAll, long? ResolvedByRunId, string? LinkVersion)
{
    public RunView ToView(IReadOnlyList<BatchErrorView> batchErrors) => new(Id, LinkId, Tenant, Enum.Parse<RunKind>(Kind), Enum.Parse<RunStatus>(Status),
        Trigger, ParentRunId, RequestId, StoredTime.Time(StartedAt), StoredTime.OptionalTime(EndedAt),
        new RunCounts(Read, Succeeded, Failed, Ignored, Incomplete, Warnings, (int)BatchesTotal, (int)BatchesFailed),
        StoredJson.Error(SystemError), batchErrors)
    {
        RootRunId = RootRunId,
        CarriesAllFailures = CarriesAll != 0,
        ResolvedByRunId = ResolvedByRunId,
        LinkVersion = LinkVersion,
    };
}
