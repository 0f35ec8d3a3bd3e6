using Resync.Core.Sdk;
using Resync.Core.Storage;

namespace Resync.Core.Recovery;

/// <summary>
/// A recovery source whose records are all held (its link's source cannot read on after a page, e.g. a push): when its run
/// stops, the engine keeps the pages it did not read as incomplete records (see <see cref="IHeldRecordsSource"/>).
/// </summary>
internal sealed class HeldRecoverySource(
    ISource original,
    IRunQueries queries,
    RecoveryPlan plan,
    ErrorGroupKey? group,
    IReadOnlyDictionary<(int Batch, int Position), string> edits,
    bool staleProtection) : RecoverySource(original, queries, plan, group, edits, staleProtection), IHeldRecordsSource
{
    public IAsyncEnumerable<SourcePage> ReadAfterAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
        KeptPagesAfterAsync(cursor, context, cancellationToken);
}
