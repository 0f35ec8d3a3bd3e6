using Resync.Core.Storage;

namespace Resync.Cli.Output;

/// <summary>A run's place in its recovery chain (root, children) and its history.</summary>
internal sealed record RunLineage(long? RootRunId, IReadOnlyList<RunView> Children, IReadOnlyList<RunEvent> History)
{
    public static async Task<RunLineage> ReadAsync(IRecoveryStore recovery, IRunQueries queries, RunView run, CancellationToken cancellationToken)
    {
        var children = new List<RunView>();
        foreach (var childId in await recovery.ListChildRunsAsync(run.Id, cancellationToken))
        {
            if (await queries.GetRunAsync(childId, cancellationToken) is { } child)
                children.Add(child);
        }
        return new RunLineage(run.RootRunId, children, await recovery.ListRunEventsAsync(run.Id, cancellationToken));
    }

    public static Task<RunLineage> ReadAsync(IStateStore store, RunView run, CancellationToken cancellationToken) =>
        ReadAsync(store, store, run, cancellationToken);
}
