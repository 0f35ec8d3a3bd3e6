using System.Net;
using System.Net.Sockets;

namespace Resync.Connectors.Http;

/// <summary>
/// Which addresses the HTTP connectors (and the server's callbacks) may connect to: the SSRF guard. Checked at
/// connect time, on the addresses the name resolved to, so a name that resolves to a private address (DNS
/// rebinding) is refused like the address itself. A server refuses loopback, private, link-local (cloud
/// metadata) and other non-public ranges unless its configuration allows them; the CLI's one-off runs are
/// <see cref="Unrestricted"/>.
/// </summary>
public sealed record OutboundNetworkPolicy
{
    /// <summary>Every address allowed (the CLI on a person's own machine).</summary>
    public static OutboundNetworkPolicy Unrestricted { get; } = new() { AllowLoopback = true, AllowPrivateNetworks = true };

    /// <summary>Public addresses only: the server's default.</summary>
    public static OutboundNetworkPolicy PublicOnly { get; } = new();

    /// <summary>127.0.0.0/8 and ::1 allowed. The default is false.</summary>
    public bool AllowLoopback { get; init; }

    /// <summary>10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, link-local 169.254/16 and fe80::/10 allowed. The default is false.</summary>
    public bool AllowPrivateNetworks { get; init; }

    internal bool IsUnrestricted => AllowLoopback && AllowPrivateNetworks;

    /// <summary>Whether a connection to <paramref name="address"/> is allowed.</summary>
    public bool Allows(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address))
            return AllowLoopback;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            if (b[0] == 0 || b[0] >= 224)
                return false; // "this network", multicast, reserved
            var isPrivate = b[0] == 10
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] is >= 64 and <= 127)
                || (b[0] == 169 && b[1] == 254);
            return !isPrivate || AllowPrivateNetworks;
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.IsIPv6Multicast)
                return false;
            var b = address.GetAddressBytes();
            var isPrivate = address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || (b[0] & 0xFE) == 0xFC;
            return !isPrivate || AllowPrivateNetworks;
        }
        return false;
    }

    /// <summary>
    /// A handler whose connections go only to allowed addresses: the name is resolved here and the first allowed
    /// address is connected to; a name with none fails with <see cref="OutboundAddressRefusedException"/>.
    /// </summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
            AllowAutoRedirect = false,
        };
        if (!IsUnrestricted)
            handler.ConnectCallback = ConnectAsync;
        return handler;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(Allows).ToArray();
        if (allowed.Length == 0)
            throw new OutboundAddressRefusedException(host, addresses);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
