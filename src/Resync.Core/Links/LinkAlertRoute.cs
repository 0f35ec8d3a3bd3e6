using Resync.Core.Recovery;

namespace Resync.Core.Links;

/// <summary>
/// An alert route a link declares in its own definition (the link file's <c>alerts:</c> section). It takes this link's
/// alerts only, for the link's tenant: nothing in it can name another link or tenant. The server keeps it beside the routes
/// made through the API and delivers through the same outbox; the CLI checks it and sends nothing.
/// </summary>
/// <param name="Name">A name for people, unique within the link.</param>
/// <param name="Format">How it is delivered: one of <see cref="AlertDestinations.Formats"/>.</param>
/// <param name="Url">The webhook or chat URL (http or https), or for e-mail <c>mailto:</c> and the addresses.</param>
public sealed record LinkAlertRoute(string Name, string Format, string Url)
{
    /// <summary>Only these alert kinds (<see cref="AlertKinds.All"/>); empty: all. The default is empty.</summary>
    public IReadOnlyList<string> Kinds { get; init; } = [];

    /// <summary>Hold the alerts raised during automatic recovery (one digest if it fails). The default is true.</summary>
    public bool HoldDuringRecovery { get; init; } = true;

    /// <summary>Send a <c>recovered</c> note when an automatic recovery whose alerts were held got through. The default is false.</summary>
    public bool RecoveredNote { get; init; }

    /// <summary>The webhook's signing secret (<c>whsec_…</c>); null: the server makes one. Only for the webhook format.</summary>
    public string? Secret { get; init; }

    /// <summary>Without the secret: a route is shown and logged with this.</summary>
    public override string ToString() => $"{Name} ({Format})";
}
