using System.Net;

namespace Resync.Server.Alerts;

/// <summary>
/// What this server refuses as an alert destination, whether a route comes through the API or a link's <c>alerts:</c>
/// section: an address literal the outbound network policy refuses (a name is checked when it is connected to), and e-mail
/// on a server without an SMTP server.
/// </summary>
internal static class AlertDestinationRules
{
    /// <summary>Why <paramref name="destination"/> (http, https or mailto) is refused here; null: it is not.</summary>
    public static string? Refuse(Uri destination, ServerOptions options)
    {
        if (destination.Scheme == Uri.UriSchemeMailto)
            return options.SmtpHost is null ? "this server sends no e-mail: its operator has not set an SMTP server (Resync:SmtpHost, Resync:SmtpFrom)" : null;
        if (IPAddress.TryParse(destination.IdnHost, out var address) && options.NetworkPolicy().Check(address) is { } refused)
        {
            return $"points at {address}, an address this server does not connect to: {refused.Rule} (the outbound network policy). "
                + "Use a public address, or start the server with --allow-private-networks / --allow-loopback / --allow-network <CIDR>.";
        }
        return null;
    }
}
