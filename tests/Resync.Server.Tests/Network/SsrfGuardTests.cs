using Resync.Connectors.Network;

namespace Resync.Server.Tests.Network;

public sealed class SsrfGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("93.184.216.34", true)]
    [InlineData("2606:4700::1111", true)]
    public void PublicOnly_AllowsOnlyPublicAddresses(string address, bool allowed) =>
        OutboundNetworkPolicy.PublicOnly.Allows(IPAddress.Parse(address)).ShouldBe(allowed);

    [Fact]
    public void AllowLoopback_AllowsLoopbackButNotPrivateNetworks()
    {
        var policy = new OutboundNetworkPolicy { AllowLoopback = true };
        policy.Allows(IPAddress.Loopback).ShouldBeTrue();
        policy.Allows(IPAddress.Parse("10.0.0.1")).ShouldBeFalse();
    }

    [Fact]
    public async Task ServerWithoutLoopbackAllowed_RefusesAnHttpLinkToLoopback_AtConnectTime()
    {
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowLoopback = false);
        // The API answers on loopback itself: the link points at it, and must not reach it. "localhost" is a name, resolved at connect time.
        var port = new Uri(server.Url).Port;
        await server.PutLinkAsync(server.OperatorKey, "internal", $$"""
            name: internal
            source: { type: http, url: "http://localhost:{{port}}/health" }
            target: { type: collect }
            settings: { retry: { attempts: 1 } }
            """);
        var run = await server.RunToEndAsync(server.OperatorKey, "internal");
        // The page could not be fetched: a batch error, durable (not retried), naming the guard.
        run["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        var error = run["batchErrors"]!.AsArray().Single()!["error"]!;
        error["code"]!.GetValue<string>().ShouldBe("ADDRESS_NOT_ALLOWED");
        error["durability"]!.GetValue<string>().ShouldBe("Durable");
        run["counts"]!["read"]!.GetValue<long>().ShouldBe(0);
    }
}
