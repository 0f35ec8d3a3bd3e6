using System.Net;

namespace Resync.Connectors.Network;

/// <summary>
/// The IANA special-purpose address registries for IPv4 and IPv6 (iana-ipv4-special-registry, iana-ipv6-special-registry),
/// plus multicast and the deprecated site-local range: none of these is a public destination a link should reach. The
/// IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by <see cref="OutboundNetworkPolicy"/>
/// on the embedded address first; their ranges are here so that an address is never classified as public by omission.
/// </summary>
public static class SpecialPurposeAddresses
{
    private const string Documentation4 = "documentation (RFC 5737)";
    private const string Private4 = "private network (RFC 1918)";

    public static IReadOnlyList<SpecialPurposeRange> IPv4 { get; } =
    [
        Range("0.0.0.0/8", "this network (RFC 791)", AddressClass.Reserved),
        Range("10.0.0.0/8", Private4, AddressClass.Private),
        Range("100.64.0.0/10", "shared address space (RFC 6598)", AddressClass.Private),
        Range("127.0.0.0/8", "loopback (RFC 1122)", AddressClass.Loopback),
        Range("169.254.0.0/16", "link-local, e.g. cloud metadata (RFC 3927)", AddressClass.Private),
        Range("172.16.0.0/12", Private4, AddressClass.Private),
        Range("192.0.0.0/24", "IETF protocol assignments (RFC 6890)", AddressClass.Reserved),
        Range("192.0.2.0/24", Documentation4, AddressClass.Reserved),
        Range("192.31.196.0/24", "AS112-v4 (RFC 7535)", AddressClass.Reserved),
        Range("192.52.193.0/24", "AMT (RFC 7450)", AddressClass.Reserved),
        Range("192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)", AddressClass.Reserved),
        Range("192.168.0.0/16", Private4, AddressClass.Private),
        Range("192.175.48.0/24", "direct delegation AS112 service (RFC 7534)", AddressClass.Reserved),
        Range("198.18.0.0/15", "benchmarking (RFC 2544)", AddressClass.Reserved),
        Range("198.51.100.0/24", Documentation4, AddressClass.Reserved),
        Range("203.0.113.0/24", Documentation4, AddressClass.Reserved),
        Range("224.0.0.0/4", "multicast (RFC 5771)", AddressClass.Reserved),
        Range("240.0.0.0/4", "reserved (RFC 1112)", AddressClass.Reserved),
        Range("255.255.255.255/32", "limited broadcast (RFC 919)", AddressClass.Reserved),
    ];

    public static IReadOnlyList<SpecialPurposeRange> IPv6 { get; } =
    [
        Range("::/128", "unspecified address (RFC 4291)", AddressClass.Reserved),
        Range("::1/128", "loopback (RFC 4291)", AddressClass.Loopback),
        Range("::/96", "IPv4-compatible address (deprecated, RFC 4291)", AddressClass.Reserved),
        Range("::ffff:0:0/96", "IPv4-mapped address (RFC 4291)", AddressClass.Reserved),
        Range("64:ff9b::/96", "NAT64 well-known prefix (RFC 6052)", AddressClass.Reserved),
        Range("64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)", AddressClass.Private),
        Range("100::/64", "discard-only (RFC 6666)", AddressClass.Reserved),
        Range("2001::/23", "IETF protocol assignments (RFC 2928)", AddressClass.Reserved),
        Range("2001::/32", "Teredo (RFC 4380)", AddressClass.Reserved),
        Range("2001:10::/28", "deprecated ORCHID (RFC 4843)", AddressClass.Reserved),
        Range("2001:20::/28", "ORCHIDv2 (RFC 7343)", AddressClass.Reserved),
        Range("2001:db8::/32", "documentation (RFC 3849)", AddressClass.Reserved),
        Range("2002::/16", "6to4 (RFC 3056)", AddressClass.Reserved),
        Range("3fff::/20", "documentation (RFC 9637)", AddressClass.Reserved),
        Range("5f00::/16", "segment routing SIDs (RFC 9602)", AddressClass.Reserved),
        Range("fc00::/7", "unique local (RFC 4193)", AddressClass.Private),
        Range("fe80::/10", "link-local (RFC 4291)", AddressClass.Private),
        Range("fec0::/10", "site-local (deprecated, RFC 3879)", AddressClass.Private),
        Range("ff00::/8", "multicast (RFC 4291)", AddressClass.Reserved),
    ];

    /// <summary>The most specific special-purpose range holding <paramref name="address"/>, or null for a public address.</summary>
    public static SpecialPurposeRange? Find(IPAddress address)
    {
        var ranges = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? IPv4 : IPv6;
        SpecialPurposeRange? found = null;
        foreach (var range in ranges)
        {
            if (range.Network.Contains(address) && (found is null || range.Network.PrefixLength > found.Network.PrefixLength))
                found = range;
        }
        return found;
    }

    private static SpecialPurposeRange Range(string cidr, string rule, AddressClass kind) => new(IPNetwork.Parse(cidr), rule, kind);
}
