using System.Net;
using System.Net.Sockets;

namespace Resync.Testing;

/// <summary>Ports on 127.0.0.1 for the servers the tests start and the dead addresses they call.</summary>
public static class LoopbackPort
{
    /// <summary>
    /// A port nothing listens on now (bound by the system's pick, then released): a server may take it, and until one does a
    /// connection to it is refused.
    /// </summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
