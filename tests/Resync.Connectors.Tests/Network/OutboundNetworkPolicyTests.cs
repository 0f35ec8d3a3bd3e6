using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Resync.Connectors.Tests.Network;

public sealed class OutboundNetworkPolicyTests
{
    public static TheoryData<string, string> Ranges()
    {
        var data = new TheoryData<string, string>();
        foreach (var range in SpecialPurposeAddresses.IPv4.Concat(SpecialPurposeAddresses.IPv6))
            data.Add(range.Network.ToString(), range.Rule);
        return data;
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public void PublicOnly_FirstAndLastAddressOfEachSpecialPurposeRange_AreRefused(string cidr, string rule)
    {
        var network = IPNetwork.Parse(cidr);
        foreach (var address in new[] { First(network), Last(network) })
        {
            var refused = OutboundNetworkPolicy.PublicOnly.Check(address);
            refused.ShouldNotBeNull($"{address} of {cidr} ({rule})");
            // A more specific range (or the embedded IPv4 of an IPv6 form) may name a narrower rule; the rule is never empty.
            refused.Rule.ShouldNotBeNullOrWhiteSpace();
        }
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public void PublicOnly_EachRange_NamesItsRuleForAnAddressInside(string cidr, string rule)
    {
        var network = IPNetwork.Parse(cidr);
        var inside = Last(network);
        if (SpecialPurposeAddresses.Find(inside) is { } narrowest && narrowest.Network != network)
            return; // its last address belongs to a more specific range (e.g. 255.255.255.255 inside 240/4)
        OutboundNetworkPolicy.PublicOnly.Check(inside)!.Rule.ShouldContain(rule.Split(' ')[0]);
    }

    [Theory]
    // Both sides of the boundaries: the neighbours of special-purpose ranges are public.
    [InlineData("192.0.1.255", null)]
    [InlineData("192.0.2.0", "documentation (RFC 5737)")]
    [InlineData("192.0.2.255", "documentation (RFC 5737)")]
    [InlineData("192.0.3.0", null)]
    [InlineData("198.17.255.255", null)]
    [InlineData("198.18.0.0", "benchmarking (RFC 2544)")]
    [InlineData("198.19.255.255", "benchmarking (RFC 2544)")]
    [InlineData("198.20.0.0", null)]
    [InlineData("100.63.255.255", null)]
    [InlineData("100.64.0.0", "shared address space (RFC 6598)")]
    [InlineData("100.127.255.255", "shared address space (RFC 6598)")]
    [InlineData("100.128.0.0", null)]
    [InlineData("172.15.255.255", null)]
    [InlineData("172.16.0.0", "private network (RFC 1918)")]
    [InlineData("172.31.255.255", "private network (RFC 1918)")]
    [InlineData("172.32.0.0", null)]
    [InlineData("9.255.255.255", null)]
    [InlineData("11.0.0.0", null)]
    [InlineData("126.255.255.255", null)]
    [InlineData("128.0.0.0", null)]
    [InlineData("223.255.255.255", null)]
    [InlineData("224.0.0.0", "multicast (RFC 5771)")]
    [InlineData("240.0.0.1", "reserved (RFC 1112)")]
    [InlineData("255.255.255.255", "limited broadcast (RFC 919)")]
    [InlineData("0.0.0.0", "this network (RFC 791)")]
    [InlineData("1.0.0.0", null)]
    [InlineData("8.8.8.8", null)]
    [InlineData("::", "unspecified address (RFC 4291)")]
    [InlineData("::1", "loopback (RFC 4291)")]
    [InlineData("::2", "IPv4-compatible address of 0.0.0.2, this network (RFC 791)")]
    [InlineData("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", null)]
    [InlineData("2001:db8::", "documentation (RFC 3849)")]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation (RFC 3849)")]
    [InlineData("2001:db9::", null)]
    [InlineData("2001:0:1::", "Teredo (RFC 4380)")]
    [InlineData("2001:10::1", "deprecated ORCHID (RFC 4843)")]
    [InlineData("2001:20::1", "ORCHIDv2 (RFC 7343)")]
    [InlineData("2001:1ff:ffff::", "IETF protocol assignments (RFC 2928)")]
    [InlineData("2001:200::", null)]
    [InlineData("3fff::", "documentation (RFC 9637)")]
    [InlineData("3fff:fff::", "documentation (RFC 9637)")]
    [InlineData("3fff:1000::", null)]
    [InlineData("5f00::1", "segment routing SIDs (RFC 9602)")]
    [InlineData("100::1", "discard-only (RFC 6666)")]
    [InlineData("100:0:0:1::", null)]
    [InlineData("fbff:ffff::", null)]
    [InlineData("fc00::", "unique local (RFC 4193)")]
    [InlineData("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "unique local (RFC 4193)")]
    [InlineData("fe80::1", "link-local (RFC 4291)")]
    [InlineData("ff02::1", "multicast (RFC 4291)")]
    [InlineData("64:ff9b:1::1", "local-use IPv4/IPv6 translation (RFC 8215)")]
    [InlineData("2606:4700::1111", null)]
    public void PublicOnly_BoundaryAddresses_AreClassifiedByTheirRule(string address, string? rule) =>
        OutboundNetworkPolicy.PublicOnly.Check(IPAddress.Parse(address))?.Rule.ShouldBe(rule);

    [Theory]
    // IPv6 forms that embed an IPv4 address are judged by the embedded address first.
    [InlineData("::ffff:127.0.0.1", "IPv4-mapped address of 127.0.0.1, loopback (RFC 1122)")]
    [InlineData("::ffff:192.0.2.1", "IPv4-mapped address of 192.0.2.1, documentation (RFC 5737)")]
    [InlineData("::ffff:10.0.0.1", "IPv4-mapped address of 10.0.0.1, private network (RFC 1918)")]
    [InlineData("::127.0.0.1", "IPv4-compatible address of 127.0.0.1, loopback (RFC 1122)")]
    [InlineData("::169.254.169.254", "IPv4-compatible address of 169.254.169.254, link-local, e.g. cloud metadata (RFC 3927)")]
    [InlineData("64:ff9b::7f00:1", "NAT64 address (RFC 6052) of 127.0.0.1, loopback (RFC 1122)")]
    [InlineData("64:ff9b::c000:201", "NAT64 address (RFC 6052) of 192.0.2.1, documentation (RFC 5737)")]
    [InlineData("2002:7f00:1::", "6to4 address of 127.0.0.1, loopback (RFC 1122)")]
    [InlineData("2002:a9fe:a9fe::1", "6to4 address of 169.254.169.254, link-local, e.g. cloud metadata (RFC 3927)")]
    // A public embedded address: mapped and NAT64 reach it (allowed); the deprecated and 6to4 forms stay refused.
    [InlineData("::ffff:8.8.8.8", null)]
    [InlineData("64:ff9b::808:808", null)]
    [InlineData("::8.8.8.8", "IPv4-compatible address (deprecated, RFC 4291)")]
    [InlineData("2002:808:808::", "6to4 (RFC 3056)")]
    public void PublicOnly_EmbeddedIPv4_IsClassifiedByTheEmbeddedAddress(string address, string? rule) =>
        OutboundNetworkPolicy.PublicOnly.Check(IPAddress.Parse(address))?.Rule.ShouldBe(rule);

    [Fact]
    public void AllowLoopback_AllowsLoopbackAndItsMappedForm_ButNotPrivateOrReserved()
    {
        var policy = new OutboundNetworkPolicy { AllowLoopback = true };
        policy.Allows(IPAddress.Parse("127.0.0.1")).ShouldBeTrue();
        policy.Allows(IPAddress.Parse("::1")).ShouldBeTrue();
        policy.Allows(IPAddress.Parse("::ffff:127.0.0.1")).ShouldBeTrue();
        policy.Allows(IPAddress.Parse("::127.0.0.1")).ShouldBeFalse(); // deprecated form, whatever it carries
        policy.Allows(IPAddress.Parse("10.0.0.1")).ShouldBeFalse();
        policy.Allows(IPAddress.Parse("192.0.2.1")).ShouldBeFalse();
    }

    [Fact]
    public void AllowPrivateNetworks_AllowsPrivateAndLinkLocal_ButNotLoopbackOrDocumentation()
    {
        var policy = new OutboundNetworkPolicy { AllowPrivateNetworks = true };
        foreach (var allowed in new[] { "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.169.254", "fd00::1", "fe80::1" })
            policy.Allows(IPAddress.Parse(allowed)).ShouldBeTrue(allowed);
        foreach (var refused in new[] { "127.0.0.1", "::1", "192.0.2.1", "2001:db8::1", "224.0.0.1" })
            policy.Allows(IPAddress.Parse(refused)).ShouldBeFalse(refused);
    }

    [Fact]
    public void AllowedNetworks_AllowsTheListedRange_AndNothingAround()
    {
        var policy = new OutboundNetworkPolicy { AllowedNetworks = [IPNetwork.Parse("192.0.2.0/28")] };
        policy.Allows(IPAddress.Parse("192.0.2.15")).ShouldBeTrue();
        policy.Allows(IPAddress.Parse("::ffff:192.0.2.1")).ShouldBeTrue();
        policy.Allows(IPAddress.Parse("192.0.2.16")).ShouldBeFalse();
    }

    [Fact]
    public void Unrestricted_AllowsEverything()
    {
        OutboundNetworkPolicy.Unrestricted.Allows(IPAddress.Parse("192.0.2.1")).ShouldBeTrue();
        OutboundNetworkPolicy.Unrestricted.Allows(IPAddress.Loopback).ShouldBeTrue();
    }

    [Fact]
    public void OwnInterfaceAddress_IsRefused_EvenWithPrivateNetworksAllowedAndItsRangeListed()
    {
        var own = OwnNonLoopbackAddress();
        if (own is null)
            return; // a machine with loopback only: nothing to show
        var listed = new OutboundNetworkPolicy { AllowPrivateNetworks = true, AllowedNetworks = [new IPNetwork(own, 32)] };
        listed.Check(own)!.Rule.ShouldBe(OutboundNetworkPolicy.OwnAddressRule);
        listed.Check(IPAddress.Parse($"::ffff:{own}"))!.Rule.ShouldContain(OutboundNetworkPolicy.OwnAddressRule);
        // --allow-loopback lifts this rule (the address may still be refused by its range, e.g. a benchmarking one in a sandbox).
        new OutboundNetworkPolicy { AllowLoopback = true, AllowPrivateNetworks = true }.Check(own)?.Rule.ShouldNotContain("own address");
    }

    [Fact]
    public async Task ResolveAsync_NameResolvingToLoopback_IsRefusedNamingHostAddressAndRule()
    {
        var refused = await Should.ThrowAsync<OutboundAddressRefusedException>(() => OutboundNetworkPolicy.PublicOnly.ResolveAsync("localhost", CancellationToken.None));
        refused.Host.ShouldBe("localhost");
        refused.Refused.ShouldNotBeEmpty();
        refused.Message.ShouldContain("'localhost' resolves to");
        refused.Message.ShouldContain("loopback");
        ErrorClassifier.Default.Classify(refused).Code.ShouldBe(ErrorCodes.AddressNotAllowed);
        ErrorClassifier.Default.Classify(refused).Durability.ShouldBe(Durability.Durable);
        ErrorClassifier.Default.Classify(refused).Hint!.ShouldContain("--allow-network");
    }

    internal static IPAddress? OwnNonLoopbackAddress() => NetworkInterface.GetAllNetworkInterfaces()
        .SelectMany(face => face.GetIPProperties().UnicastAddresses)
        .Select(unicast => unicast.Address)
        .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address));

    private static IPAddress First(IPNetwork network) => network.BaseAddress;

    private static IPAddress Last(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var bit = network.PrefixLength; bit < bytes.Length * 8; bit++)
            bytes[bit / 8] |= (byte)(0x80 >> (bit % 8));
        return new IPAddress(bytes);
    }
}
