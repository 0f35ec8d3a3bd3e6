using System.Net;
using System.Net.Sockets;
using Resync.Core.Errors;

namespace Resync.Connectors.Network;

/// <summary>
/// Which addresses the server may connect to: the one SSRF guard of every outbound connection (HTTP sources and targets,
/// PostgreSQL, alert webhooks, push callbacks). Checked at connect time, on the addresses a name resolved to, and only
/// those addresses are connected to: a name that resolves to a private address (DNS rebinding) is refused like the
/// address itself, and redirects are never followed. Refused: the IANA special-purpose ranges
/// (<see cref="SpecialPurposeAddresses"/>), IPv6 forms that embed a refused IPv4 address, and the machine's own interface
/// addresses. Loopback and private networks can be allowed, and an operator may list extra ranges; the CLI's one-off
/// runs are <see cref="Unrestricted"/>. See docs/network-policy.md.
/// </summary>
public sealed record OutboundNetworkPolicy
{
    /// <summary>The rule that refuses an address of one of the server's own network interfaces.</summary>
    public const string OwnAddressRule = "this machine's own address (one of the server's network interfaces)";

    /// <summary>Every address allowed, nothing checked (the CLI on a person's own machine).</summary>
    public static OutboundNetworkPolicy Unrestricted { get; } = new() { AllowLoopback = true, AllowPrivateNetworks = true, Enforced = false };

    /// <summary>Public addresses only: the server's default.</summary>
    public static OutboundNetworkPolicy PublicOnly { get; } = new();

    /// <summary>Whether addresses are checked at all. The default is true; false only in <see cref="Unrestricted"/>.</summary>
    public bool Enforced { get; init; } = true;

    /// <summary>127.0.0.0/8, ::1 and the machine's own interface addresses allowed. The default is false.</summary>
    public bool AllowLoopback { get; init; }

    /// <summary>Private, shared and link-local networks allowed (<see cref="AddressClass.Private"/>). The default is false.</summary>
    public bool AllowPrivateNetworks { get; init; }

    /// <summary>Ranges the operator allows whatever the rules say (e.g. one internal subnet). The default is none.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [];

    /// <summary>Whether a connection to <paramref name="address"/> is allowed.</summary>
    public bool Allows(IPAddress address) => Check(address) is null;

    /// <summary>Null when a connection to <paramref name="address"/> is allowed; otherwise the rule that refuses it.</summary>
    public RefusedAddress? Check(IPAddress address)
    {
        if (!Enforced)
            return null;
        // The server's own addresses before the operator's ranges: a listed subnet (or an allowed private network) that
        // holds the server must not open the server's own ports; only --allow-loopback does.
        if (!AllowLoopback && !IPAddress.IsLoopback(address) && LocalAddresses.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
            return new RefusedAddress(address, OwnAddressRule);
        if (IsListed(address))
            return null;
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && Embedded(address) is { } embedded)
        {
            // An IPv6 form that carries an IPv4 address reaches that address (dual-stack sockets, NAT64, 6to4 relays).
            if (Check(embedded.IPv4) is { } inner)
                return new RefusedAddress(address, $"{embedded.Form} of {inner.Address}, {inner.Rule}");
            return embedded.AlwaysRefused is { } rule ? new RefusedAddress(address, rule) : null;
        }
        if (SpecialPurposeAddresses.Find(address) is { } range && !IsAllowed(range.Class))
            return new RefusedAddress(address, range.Rule);
        return null;
    }

    /// <summary>
    /// The addresses of <paramref name="host"/> (a name or an address literal) that may be connected to, in the resolver's
    /// order; <see cref="OutboundAddressRefusedException"/> when there is none. Resolution failures propagate as they come.
    /// </summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (!Enforced)
            return addresses;
        var refused = new List<RefusedAddress>();
        var allowed = new List<IPAddress>();
        foreach (var address in addresses)
        {
            if (Check(address) is { } refusal)
                refused.Add(refusal);
            else
                allowed.Add(address);
        }
        return allowed.Count > 0 ? [.. allowed] : throw new OutboundAddressRefusedException(host, refused);
    }

    /// <summary>
    /// The refusal a connection to <paramref name="host"/> would meet now, or null: allowed, or the name does not resolve
    /// (yet), which is for the connection itself to report. For checking a URL when it is given (e.g. a push callback).
    /// </summary>
    public async Task<OutboundAddressRefusedException?> RefusalAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            await ResolveAsync(host, cancellationToken);
            return null;
        }
        catch (OutboundAddressRefusedException refused)
        {
            return refused;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// A handler whose connections go only to allowed addresses: the name is resolved here and only its allowed addresses
    /// are connected to; a name with none fails with <see cref="OutboundAddressRefusedException"/>. Redirects are off.
    /// </summary>
    public SocketsHttpHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.All,
            // A redirect would be a second destination chosen by the remote side; callers see the 3xx instead.
            AllowAutoRedirect = false,
            UseProxy = false,
        };
        if (Enforced)
            handler.ConnectCallback = ConnectAsync;
        return handler;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var allowed = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private bool IsAllowed(AddressClass kind) => kind switch
    {
        AddressClass.Loopback => AllowLoopback,
        AddressClass.Private => AllowPrivateNetworks,
        _ => false,
    };

    private bool IsListed(IPAddress address)
    {
        foreach (var network in AllowedNetworks)
        {
            if (network.Contains(address) || (address.IsIPv4MappedToIPv6 && network.Contains(address.MapToIPv4())))
                return true;
        }
        return false;
    }

    /// <summary>The IPv4 address an IPv6 address carries, if it is one of the embedding forms.</summary>
    private static EmbeddedIPv4? Embedded(IPAddress address)
    {
        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6)
            return new(address.MapToIPv4(), "IPv4-mapped address", null);
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0 && !(b.AsSpan(12, 3).IndexOfAnyExcept((byte)0) < 0 && b[15] <= 1))
            return new(new IPAddress(b.AsSpan(12, 4)), "IPv4-compatible address", "IPv4-compatible address (deprecated, RFC 4291)");
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
            return new(new IPAddress(b.AsSpan(12, 4)), "NAT64 address (RFC 6052)", null);
        if (b[0] == 0x20 && b[1] == 0x02)
            return new(new IPAddress(b.AsSpan(2, 4)), "6to4 address", "6to4 (RFC 3056)");
        return null;
    }

    private sealed record EmbeddedIPv4(IPAddress IPv4, string Form, string? AlwaysRefused);
}
