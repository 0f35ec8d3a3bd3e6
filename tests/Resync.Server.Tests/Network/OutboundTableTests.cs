using System.Collections.Concurrent;
using System.Globalization;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Resync.Server.Tests.Network;

/// <summary>
/// The outbound table: every special-purpose range and IPv6 form embedding IPv4, for each kind of connection the server
/// makes, against a server with the default policy (no loopback, no private networks). A listener on every local address
/// of the port used proves that nothing reached the machine; for the other ranges the error names the rule the policy
/// refused with, which it does before any socket is opened.
/// </summary>
public sealed class OutboundTableTests
{
    /// <summary>One address of each range, with a word of the rule the refusal names.</summary>
    public static readonly IReadOnlyList<(string Address, string Rule)> Table =
    [
        ("0.0.0.0", "this network"), ("10.0.0.1", "private network"), ("100.64.0.1", "shared address space"), ("127.0.0.1", "loopback"),
        ("169.254.169.254", "link-local"), ("172.16.0.1", "private network"), ("192.0.0.1", "IETF protocol assignments"),
        ("192.0.2.1", "documentation (RFC 5737)"), ("192.31.196.1", "AS112-v4"), ("192.52.193.1", "AMT"), ("192.88.99.1", "6to4 relay anycast"),
        ("192.168.0.1", "private network"), ("192.175.48.1", "AS112 service"), ("198.18.0.1", "benchmarking"), ("198.51.100.1", "documentation"),
        ("203.0.113.1", "documentation"), ("224.0.0.1", "multicast"), ("240.0.0.1", "reserved"), ("255.255.255.255", "limited broadcast"),
        ("::", "unspecified"), ("::1", "loopback"), ("::ffff:127.0.0.1", "IPv4-mapped address of 127.0.0.1"),
        ("::ffff:192.0.2.1", "IPv4-mapped address of 192.0.2.1"), ("::127.0.0.1", "IPv4-compatible address of 127.0.0.1"),
        ("64:ff9b::7f00:1", "NAT64 address (RFC 6052) of 127.0.0.1"), ("64:ff9b:1::1", "local-use IPv4/IPv6 translation"),
        ("100::1", "discard-only"), ("2001::1", "Teredo"), ("2001:10::1", "ORCHID"), ("2001:20::1", "ORCHIDv2"), ("2001:db8::1", "documentation (RFC 3849)"),
        ("2002:7f00:1::", "6to4 address of 127.0.0.1"), ("2002:c000:201::", "6to4 address of 192.0.2.1"), ("3fff::1", "documentation (RFC 9637)"),
        ("5f00::1", "segment routing"), ("fc00::1", "unique local"), ("fe80::1", "link-local"), ("ff02::1", "multicast"),
    ];

    /// <summary>
    /// Each kind of connection a link makes, as the source and target lines of a link to <c>{host}</c> (<c>{url-host}</c>
    /// inside a URL) on <c>{port}</c>.
    /// </summary>
    private static readonly Dictionary<string, string> Connections = new()
    {
        ["http source"] = """
            source: { type: http, url: "http://{url-host}:{port}/contacts" }
            target: { type: collect }
            """,
        ["http target"] = """
            source: { type: demo, records: 1, failingPage: 0 }
            target: { type: http, url: "http://{url-host}:{port}/contacts" }
            """,
        ["postgres source"] = """
            source: { type: postgres, connectionString: "Host={host};Port={port};Username=u;Password=p;Database=d;Timeout=5", table: contacts, keyColumn: id }
            target: { type: collect }
            """,
        ["postgres target"] = """
            source: { type: demo, records: 1, failingPage: 0 }
            target: { type: postgres, connectionString: "Host={host};Port={port};Username=u;Password=p;Database=d;Timeout=5", table: contacts, key: id }
            """,
    };

    [Theory]
    [InlineData("http source")]
    [InlineData("http target")]
    [InlineData("postgres source")]
    [InlineData("postgres target")]
    public async Task Connection_ToEverySpecialPurposeAddress_IsRefusedWithoutConnecting(string connection)
    {
        await using var listener = LocalListener.Start();
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowLoopback = false);
        await RefusedRunsAsync(server, listener, (id, host) => $$"""
            name: {{id}}
            {{Connections[connection]
                .Replace("{url-host}", UrlHost(host), StringComparison.Ordinal)
                .Replace("{host}", host, StringComparison.Ordinal)
                .Replace("{port}", listener.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}}
            settings: { retry: { attempts: 1 } }
            """);
    }

    [Fact]
    public async Task PostgresHostLists_WithOneRefusedEntry_AreRefusedWhole_AndUnixSocketsAreRefusedAtLoad()
    {
        await using var listener = LocalListener.Start();
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowLoopback = false);
        using var client = server.Client(server.OperatorKey);
        foreach (var host in new[] { "/var/run/postgresql", "@abstract" })
        {
            using var put = await client.PutAsync("/api/v1/links/socket", new StringContent($$"""
                name: socket
                source: { type: postgres, connectionString: "Host={{host}};Username=u;Database=d", table: contacts, keyColumn: id }
                target: { type: collect }
                """, Encoding.UTF8, "application/yaml"));
            put.StatusCode.ShouldBe(HttpStatusCode.BadRequest, host);
            (await put.Content.ReadAsStringAsync()).ShouldContain("not a network host");
        }
        var run = await RunToEndAsync(server, "listed", $$"""
            name: listed
            source: { type: postgres, connectionString: "Host=93.184.216.34,127.0.0.1:{{listener.Port}};Username=u;Password=p;Database=d;Timeout=5", table: contacts, keyColumn: id }
            target: { type: collect }
            settings: { retry: { attempts: 1 } }
            """);
        run.ShouldContain("ADDRESS_NOT_ALLOWED");
        run.ShouldContain("127.0.0.1 (loopback (RFC 1122))");
        listener.Accepted.ShouldBe(0);
    }

    [Fact]
    public async Task AlertWebhook_EverySpecialPurposeAddress_IsRefusedAtCreation_AndANameAtDelivery()
    {
        await using var listener = LocalListener.Start();
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowLoopback = false);
        using var client = server.Client(server.OperatorKey);
        foreach (var (address, rule) in Table)
        {
            using var created = await client.PostAsync("/api/v1/alert-routes", ServerHarness.Json($$"""{"name": "r", "url": "http://{{UrlHost(address)}}:{{listener.Port}}/hook"}"""));
            created.StatusCode.ShouldBe(HttpStatusCode.BadRequest, address);
            (await created.Content.ReadAsStringAsync()).ShouldContain(rule, Case.Sensitive, address);
        }
        // A name is resolved when the webhook is called: refused then, as a failed attempt naming host, address and rule.
        using var named = await client.PostAsync("/api/v1/alert-routes", ServerHarness.Json($$"""{"name": "r", "url": "http://localhost:{{listener.Port}}/hook"}"""));
        named.StatusCode.ShouldBe(HttpStatusCode.Created, await named.Content.ReadAsStringAsync());
        var routeId = (await ServerHarness.JsonAsync(named))["route"]!["id"]!.GetValue<long>();
        using var test = await client.PostAsync($"/api/v1/alert-routes/{routeId}/test", null);
        var attempt = (await ServerHarness.JsonAsync(test))["attempts"]!.AsArray().Single()!;
        attempt["succeeded"]!.GetValue<bool>().ShouldBeFalse();
        attempt["error"]!.GetValue<string>().ShouldContain("'localhost' resolves to");
        attempt["error"]!.GetValue<string>().ShouldContain("loopback");
        attempt["hint"]!.GetValue<string>().ShouldContain("--allow-loopback");
        listener.Accepted.ShouldBe(0);
    }

    [Fact]
    public async Task PushCallback_EverySpecialPurposeAddressOrLocalName_IsA400NamingTheRule_AndNothingIsStored()
    {
        await using var listener = LocalListener.Start();
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowLoopback = false);
        await server.PutLinkAsync(server.AcmeKey, "pushed", ServerHarness.CollectingPushLink("pushed"));
        using var client = server.Client(server.AcmeKey);
        foreach (var (address, rule) in Table.Append(("localhost", "loopback")))
        {
            var callback = Uri.EscapeDataString($"http://{UrlHost(address)}:{listener.Port}/done");
            using var pushed = await client.PostAsync($"/api/v1/links/pushed/push?mode=async&callbackUrl={callback}", ServerHarness.Json(ServerHarness.Contacts(1)));
            var body = await pushed.Content.ReadAsStringAsync();
            pushed.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{address}: {body}");
            body.ShouldContain("invalid-callback");
            body.ShouldContain(rule, Case.Sensitive, address);
        }
        using var runs = await client.GetAsync("/api/v1/runs?linkId=pushed");
        (await ServerHarness.JsonAsync(runs))["items"]!.AsArray().ShouldBeEmpty();
        server.Target.Written.ShouldBeEmpty();
        listener.Accepted.ShouldBe(0);
    }

    [Fact]
    public async Task ListenerControl_WithLoopbackAllowed_HttpAndPostgresLinksReachIt()
    {
        // The control that gives the "nothing accepted" assertions their meaning: allowed, the same links do connect.
        await using var listener = LocalListener.Start();
        await using var server = await ServerHarness.StartAsync();
        await RunToEndAsync(server, "http", $$"""
            name: http
            source: { type: http, url: "http://localhost:{{listener.Port}}/contacts", timeout: 2s }
            target: { type: collect }
            settings: { retry: { attempts: 1 } }
            """);
        listener.Accepted.ShouldBeGreaterThan(0);
        var before = listener.Accepted;
        await RunToEndAsync(server, "pg", $$"""
            name: pg
            source: { type: postgres, connectionString: "Host=localhost;Port={{listener.Port}};Username=u;Password=p;Database=d;Timeout=2", table: contacts, keyColumn: id }
            target: { type: collect }
            settings: { retry: { attempts: 1 } }
            """);
        listener.Accepted.ShouldBeGreaterThan(before);
    }

    [Fact]
    public async Task OwnInterfaceAddress_IsRefusedForAnHttpSource_EvenWithPrivateNetworksAllowedAndItsRangeListed()
    {
        var own = NetworkInterface.GetAllNetworkInterfaces().SelectMany(face => face.GetIPProperties().UnicastAddresses).Select(unicast => unicast.Address)
            .FirstOrDefault(address => address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(address));
        if (own is null)
            return; // a machine with loopback only
        await using var listener = LocalListener.Start();
        await using var server = await ServerHarness.StartAsync(configure: options =>
            (options.AllowLoopback, options.AllowPrivateNetworks, options.AllowedNetworks) = (false, true, [$"{own}/32"]));
        var run = await RunToEndAsync(server, "own", $$"""
            name: own
            source: { type: http, url: "http://{{own}}:{{listener.Port}}/contacts" }
            target: { type: collect }
            settings: { retry: { attempts: 1 } }
            """);
        run.ShouldContain("ADDRESS_NOT_ALLOWED");
        run.ShouldContain($"{own} ({Resync.Connectors.Network.OutboundNetworkPolicy.OwnAddressRule})");
        listener.Accepted.ShouldBe(0);
    }

    private static async Task RefusedRunsAsync(ServerHarness server, LocalListener listener, Func<string, string, string> link)
    {
        var rows = Table.Append(("localhost", "loopback")).ToList();
        for (var i = 0; i < rows.Count; i++)
        {
            var (address, rule) = rows[i];
            var run = await RunToEndAsync(server, $"t{i}", link($"t{i}", address));
            run.ShouldContain("ADDRESS_NOT_ALLOWED", Case.Sensitive, address);
            run.ShouldContain(rule, Case.Sensitive, $"{address}: {run}");
        }
        listener.Accepted.ShouldBe(0);
    }

    /// <summary>Puts the link, runs it to its end, and answers the run and its errors as text.</summary>
    private static async Task<string> RunToEndAsync(ServerHarness server, string id, string yaml)
    {
        await server.PutLinkAsync(server.OperatorKey, id, yaml);
        var run = await server.RunToEndAsync(server.OperatorKey, id);
        using var client = server.Client(server.OperatorKey);
        using var errors = await client.GetAsync($"/api/v1/runs/{run["id"]}/errors");
        return run.ToJsonString() + await errors.Content.ReadAsStringAsync();
    }

    private static string UrlHost(string host) => host.Contains(':') ? $"[{host}]" : host;

    /// <summary>A TCP listener on every local address (dual stack) that counts the connections it accepts.</summary>
    private sealed class LocalListener : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _accepted;

        private LocalListener(TcpListener listener)
        {
            _listener = listener;
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int Accepted => Volatile.Read(ref _accepted);

        public static LocalListener Start()
        {
            var listener = new TcpListener(IPAddress.IPv6Any, 0);
            listener.Server.DualMode = true;
            listener.Start();
            return new LocalListener(listener);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try
            {
                await _accepting;
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                using var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _accepted);
            }
        }
    }
}
