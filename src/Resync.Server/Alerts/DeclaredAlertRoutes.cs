using Resync.Core.Links;
using Resync.Core.Storage;
using Resync.Server.Links;

namespace Resync.Server.Alerts;

/// <summary>
/// Keeps the alert routes links declare (their <c>alerts:</c> section) in the state file beside those made through the API,
/// so that they are delivered through the same outbox, with the same retries, holding, health and deliveries. A declared
/// route takes its own link's alerts, for that link's tenant as the server knows it (a tenant's API link is its tenant's
/// whatever the document says): nothing a link file holds can route another link's or another tenant's alerts. It is
/// brought in line with its link before each of the link's alerts is matched and before routes are listed: replaced when
/// the link changes, removed when the link is gone.
/// </summary>
public sealed class DeclaredAlertRoutes(LinkRegistry links, IServerStore store, AlertSecrets secrets, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Brings the declared routes of <paramref name="linkId"/> (null: of every link) in line with the links' definitions.</summary>
    public async Task SyncAsync(string? linkId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stored = (await store.ListAlertRoutesAsync(cancellationToken))
                .Where(route => route.Delivery.DeclaredBy is { } by && (linkId is null || by == linkId)).ToList();
            IReadOnlyCollection<LinkEntry> entries = linkId is null ? links.All : links.Find(linkId) is { } entry ? [entry] : [];
            foreach (var link in entries)
            {
                foreach (var declared in link.Link.AlertRoutes)
                {
                    var existing = stored.FirstOrDefault(route => route.Delivery.DeclaredBy == link.Id && route.Name == declared.Name);
                    stored.Remove(existing!);
                    await SaveAsync(link, declared, existing, cancellationToken);
                }
            }
            foreach (var gone in stored)
                await store.DeleteAlertRouteAsync(gone.Id, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task SaveAsync(LinkEntry link, LinkAlertRoute declared, AlertRouteRecord? existing, CancellationToken cancellationToken)
    {
        var route = new AlertRouteRecord(existing?.Id ?? 0, link.Tenant, declared.Name, declared.Url, link.Id, declared.Kinds, "", clock.GetUtcNow(),
            AlertRouteHealth.None)
        {
            Delivery = new AlertRouteDelivery(declared.Format, declared.HoldDuringRecovery, declared.RecoveredNote) { DeclaredBy = link.Id },
        };
        // A changed secret cannot be written over the stored one: the route is made again with it (its deliveries go with the old one).
        if (existing is not null && declared.Secret is { } secret && secrets.Unprotect(existing.ProtectedSecret) != secret)
        {
            await store.DeleteAlertRouteAsync(existing.Id, cancellationToken);
            existing = null;
        }
        if (existing is null)
        {
            await store.AddAlertRouteAsync(route with { ProtectedSecret = secrets.Protect(declared.Secret ?? WebhookSignature.NewSecret()) }, cancellationToken);
            return;
        }
        if (existing.Tenant != route.Tenant || existing.Url != route.Url || existing.LinkId != route.LinkId || existing.Delivery != route.Delivery
            || !existing.Kinds.SequenceEqual(route.Kinds, StringComparer.Ordinal))
            await store.UpdateAlertRouteAsync(route, cancellationToken);
    }

    public void Dispose() => _gate.Dispose();
}
