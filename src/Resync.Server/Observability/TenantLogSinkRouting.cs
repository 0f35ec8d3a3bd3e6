using Resync.Server.Links;

namespace Resync.Server.Observability;

/// <summary>Hands the links to <see cref="TenantLogSinks"/> whenever they change (a file reloaded, a link saved or deleted through the API).</summary>
internal sealed class TenantLogSinkRouting : IHostedService, IDisposable
{
    private readonly LinkRegistry _links;
    private readonly TenantLogSinks _sinks;

    public TenantLogSinkRouting(LinkRegistry links, TenantLogSinks sinks)
    {
        (_links, _sinks) = (links, sinks);
        // In the constructor, not at start: every hosted service is made before the first starts, so no run (the scheduler
        // starts runs at once) logs before the links' sinks are open. The registry is loaded before the host starts.
        _links.LinksChanged += Apply;
        Apply();
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _links.LinksChanged -= Apply;

    private void Apply() => _sinks.Apply(_links.Links);
}
