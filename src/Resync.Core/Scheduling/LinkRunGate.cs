using System.Collections.Concurrent;

namespace Resync.Core.Scheduling;

/// <summary>
/// Which links have a run under way: the rule that a link never runs twice at once, shared by everything that
/// starts runs in one process (the scheduler, and a server's API). Entering a busy link fails instead of waiting.
/// </summary>
public sealed class LinkRunGate
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _busy = new(StringComparer.Ordinal);

    /// <summary>Raised after a link became free (on the thread that freed it).</summary>
    public event Action<string>? Freed;

    /// <summary>Takes the link; false when a run of it is under way.</summary>
    public bool TryEnter(string linkId) => _busy.TryAdd(linkId, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Frees the link. Freeing a link that is not taken is a bug and throws.</summary>
    public void Exit(string linkId)
    {
        if (!_busy.TryRemove(linkId, out var done))
            throw new InvalidOperationException($"Link '{linkId}' is not taken; it cannot be freed.");
        done.SetResult();
        Freed?.Invoke(linkId);
    }

    /// <summary>Whether a run of the link is under way.</summary>
    public bool IsBusy(string linkId) => _busy.ContainsKey(linkId);

    /// <summary>Completes once the link is free (at once if it is).</summary>
    public Task WhenFreeAsync(string linkId, CancellationToken cancellationToken) =>
        _busy.TryGetValue(linkId, out var done) ? done.Task.WaitAsync(cancellationToken) : Task.CompletedTask;
}
