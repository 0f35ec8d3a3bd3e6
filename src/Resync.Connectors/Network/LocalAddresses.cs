using System.Net;
using System.Net.NetworkInformation;

namespace Resync.Connectors.Network;

/// <summary>
/// The machine's own interface addresses (so the server's host name, which resolves to one of them, is not a way in).
/// Read again at most every 30 seconds: interfaces come and go (containers, VPNs), and listing them costs a system call
/// per interface.
/// </summary>
internal static class LocalAddresses
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private static readonly Lock Gate = new();
    private static HashSet<IPAddress> _addresses = [];
    private static long _readAt = long.MinValue;

    /// <summary>Whether <paramref name="address"/> is an address of one of this machine's interfaces (scope ids ignored).</summary>
    public static bool Contains(IPAddress address) => Current().Contains(WithoutScope(address));

    private static HashSet<IPAddress> Current()
    {
        var now = Environment.TickCount64;
        lock (Gate)
        {
            if (_readAt != long.MinValue && now - _readAt < Refresh.TotalMilliseconds)
                return _addresses;
            _addresses = Read();
            _readAt = now;
            return _addresses;
        }
    }

    private static HashSet<IPAddress> Read()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var face in NetworkInterface.GetAllNetworkInterfaces())
            {
                foreach (var unicast in face.GetIPProperties().UnicastAddresses)
                    addresses.Add(WithoutScope(unicast.Address));
            }
        }
        catch (NetworkInformationException)
        {
            // No list (a locked-down host): the special-purpose ranges still hold; loopback is covered by them.
        }
        return addresses;
    }

    private static IPAddress WithoutScope(IPAddress address) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;
}
