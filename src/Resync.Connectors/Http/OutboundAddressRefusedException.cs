using System.Net;

namespace Resync.Connectors.Http;

/// <summary>A connection refused by the <see cref="OutboundNetworkPolicy"/>: the host resolved only to addresses it does not allow.</summary>
public sealed class OutboundAddressRefusedException(string host, IReadOnlyList<IPAddress> addresses)
    : Exception($"'{host}' resolves to {(addresses.Count == 0 ? "no address" : string.Join(", ", addresses))}, which this server does not connect to (loopback or private network)")
{
    public string Host { get; } = host;
}
