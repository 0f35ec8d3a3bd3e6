using Resync.Core.Recovery;
using Resync.Core.Runs;

namespace Resync.Storage.Relational;

/// <summary>A run as <see cref="RecoveryStatements.SelectChainRun"/> reads it.</summary>
internal sealed record ChainRow(long Id, long? ParentRunId, string Status, long CarriesAll, string Kind)
{
    public ChainRun ToRun() => new(Id, ParentRunId, Enum.Parse<RunStatus>(Status), CarriesAll != 0, Enum.Parse<RunKind>(Kind));
}
