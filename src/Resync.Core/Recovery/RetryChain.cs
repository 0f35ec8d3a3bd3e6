using System.Globalization;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Core.Recovery;

/// <summary>
/// The rule of a recovery chain's resolution (<see cref="IRecoveryStore.ResolveChainAsync"/>), in one place for every store:
/// a run that succeeded resolves each ancestor whose failures were carried in full down to it, up to the root or to the first
/// run still running. Every ancestor is resolved by that run, not by the child in between (which may have failed). A store
/// reads the runs one by one in its transaction (<see cref="NextParentId"/>) and writes what <see cref="Step"/> decides.
/// </summary>
public sealed class RetryChain
{
    private readonly ChainRun _resolver;
    private readonly DateTimeOffset _at;
    private readonly List<long> _resolved = [];
    private ChainRun? _child;

    private RetryChain(ChainRun resolver, DateTimeOffset at)
    {
        _resolver = resolver;
        _at = at;
        _child = resolver;
    }

    /// <summary>The resolution that <paramref name="run"/> starts, or null when it did not succeed (it resolves nothing).</summary>
    public static RetryChain? From(ChainRun run, DateTimeOffset at) => run.Status == RunStatus.Succeeded ? new RetryChain(run, at) : null;

    /// <summary>The ancestor to read next, or null when the resolution is over.</summary>
    public long? NextParentId => _child is { ParentRunId: { } parent, CarriesAll: true } ? parent : null;

    /// <summary>The runs that became Succeeded so far.</summary>
    public IReadOnlyList<long> Resolved => _resolved;

    /// <summary>Decides for <paramref name="parent"/>, the run <see cref="NextParentId"/> named, what the store writes.</summary>
    public ChainStep Step(ChainRun parent)
    {
        if (parent.Id != NextParentId)
            throw new InvalidOperationException($"Run {parent.Id} is not the next ancestor of the chain ({NextParentId?.ToString(CultureInfo.InvariantCulture) ?? "none"}).");
        if (parent.Status == RunStatus.Running)
        {
            // Still running: it will resolve (or not) by itself; what is above it is not resolved from here.
            _child = null;
            return new ChainStep(parent.Id, null, IsRoot: false);
        }
        RunEvent? resolved = null;
        if (parent.Status != RunStatus.Succeeded)
        {
            RunTransitions.Ensure(parent.Status, RunStatus.Succeeded);
            var resolver = string.Create(CultureInfo.InvariantCulture, $"{_resolver.Kind.ToString().ToLowerInvariant()} run {_resolver.Id}");
            resolved = new RunEvent(parent.Id, _at, RunEventKinds.ResolvedByChain, RunEventMessages.ResolvedByChain(parent.Status, resolver));
            _resolved.Add(parent.Id);
        }
        _child = parent;
        return new ChainStep(parent.Id, resolved, IsRoot: parent.ParentRunId is null);
    }
}
