using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resync.Connectors;
using Resync.Connectors.Breakers;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Resync.Server;
using Resync.Server.Auth;
using Resync.Testing;

namespace Resync.Server.Tests;

/// <summary>
/// A real <c>resync serve</c> on 127.0.0.1 (Kestrel, a free port) over a fresh state file, with an operator key and
/// keys for tenants "acme" and "globex", and a <c>collect</c> target type whose instance the test holds.
/// </summary>
internal sealed class ServerHarness : IAsyncDisposable
{
    private readonly TempDirectory _folder;
    private readonly WebApplication _app;
    private bool _stopped;
    private bool _handedOver;

    private ServerHarness(TempDirectory folder, WebApplication app, ServerOptions options, CollectingTarget target)
    {
        _folder = folder;
        _app = app;
        Options = options;
        Target = target;
    }

    public ServerOptions Options { get; }

    public CollectingTarget Target { get; }

    public string Url { get; private set; } = "";

    /// <summary>What the server logged at information and above.</summary>
    public CollectedLogs Logs { get; private init; } = new();

    public string OperatorKey { get; private set; } = "";

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    public IServiceProvider Services => _app.Services;

    public WebApplication App => _app;

    public string Folder => _folder.Path;

    /// <param name="host">Changes to the host before it is built (configuration, services), after the harness's own.</param>
    public static async Task<ServerHarness> StartAsync(TimeProvider? clock = null, Action<ServerOptions>? configure = null, string? linksFolder = null,
        Action<WebApplicationBuilder>? host = null)
    {
        var folder = new TempDirectory("resync-server");
        var options = new ServerOptions
        {
            Urls = "http://127.0.0.1:0",
            DatabasePath = folder.Combine("state.db"),
            LinksFolder = linksFolder,
            AllowLoopback = true,
            ProgressInterval = TimeSpan.FromMilliseconds(50),
            // Webhooks and callbacks are waited for in real time: on a busy machine a slow answer must not count as none.
            AlertTimeout = Patience.Limit,
        };
        configure?.Invoke(options);
        return await StartOnAsync(folder, options, clock, host);
    }

    /// <summary>Stops this server and starts a new one on the same state file, key ring and options (the process restarted).</summary>
    public async Task<ServerHarness> RestartAsync(TimeProvider? clock = null)
    {
        await StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _handedOver = true;
        return await StartOnAsync(_folder, Options, clock);
    }

    private static async Task<ServerHarness> StartOnAsync(TempDirectory folder, ServerOptions options, TimeProvider? clock, Action<WebApplicationBuilder>? host = null)
    {
        var target = new CollectingTarget();
        var breakers = new ConnectionBreakers(clock ?? TimeProvider.System, options.BreakerOptions());
        var catalog = BuiltInConnectors.CreateCatalog(options.NetworkPolicy(), breakers)
            .AddTarget("collect", "The test's collecting target.", new ConfigSchema(), (_, _) => target);
        var logs = new CollectedLogs();
        var app = await ResyncServer.BuildAsync(options, clock, catalog, breakers, builder =>
        {
            builder.Logging.ClearProviders().AddProvider(logs);
            host?.Invoke(builder);
        });
        var harness = new ServerHarness(folder, app, options, target) { Logs = logs };
        await app.StartAsync();
        harness.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        var keys = app.Services.GetRequiredService<ApiKeyService>();
        harness.OperatorKey = (await keys.CreateAsync(ApiKeyScope.Operator, null, "tests", default)).Key;
        harness.AcmeKey = (await keys.CreateAsync(ApiKeyScope.Tenant, "acme", "acme", default)).Key;
        harness.GlobexKey = (await keys.CreateAsync(ApiKeyScope.Tenant, "globex", "globex", default)).Key;
        return harness;
    }

    /// <summary>Options that send e-mail alerts to <paramref name="smtp"/> (plain SMTP on loopback), from resync@example.com.</summary>
    public static Action<ServerOptions> SendingMailTo(Resync.Testing.Smtp.SmtpReceiver smtp) => options =>
    {
        options.SmtpHost = "127.0.0.1";
        options.SmtpPort = smtp.Port;
        options.SmtpSecurity = SmtpSecurity.None;
        options.SmtpFrom = "resync@example.com";
    };

    public HttpClient Client(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(Url), Timeout = Patience.Limit };
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    /// <summary>The data folder of a tenant's links from the API (relative paths in their documents start there).</summary>
    public string TenantFolder(string tenant) => Path.Combine(_folder.Path, "data", "tenants", tenant);

    /// <summary>Creates a SQLite file with a contacts table in the tenant's data folder; returns its path.</summary>
    public string CreateContactsTable(string name = "target.db", string tenant = "acme")
    {
        Directory.CreateDirectory(TenantFolder(tenant));
        var path = Path.Combine(TenantFolder(tenant), name);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE contacts (id TEXT PRIMARY KEY, name TEXT, email TEXT NOT NULL)";
        command.ExecuteNonQuery();
        return path;
    }

    /// <summary>Creates (PUT) a link from a YAML document with the given key; throws unless it was accepted.</summary>
    public async Task PutLinkAsync(string key, string id, string yaml)
    {
        using var client = Client(key);
        using var response = await client.PutAsync($"/api/v1/links/{id}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"PUT link {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>
    /// A pull link (demo source, 30 records in batches of 10, one at a time) whose target refuses connections at the second
    /// batch: the run stops partway and its remainder is parked. Returns the incomplete run's id; the target is left failing.
    /// </summary>
    public static async Task<long> CreateIncompleteRunAsync(ServerHarness server, string key, string linkId)
    {
        await server.PutLinkAsync(key, linkId, $$"""
            name: {{linkId}}
            source: { type: demo, records: 30, failingPage: 0 }
            target: { type: collect }
            settings: { batchSize: 10, parallelism: 1, retry: { attempts: 1 } }
            """);
        server.Target.ThrowOnBatch(2, TargetDown());
        using var client = server.Client(key);
        using var started = await client.PostAsync($"/api/v1/links/{linkId}/runs", null);
        if (started.StatusCode != System.Net.HttpStatusCode.Accepted)
            throw new InvalidOperationException($"start {linkId}: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var runId = (await JsonAsync(started))["runId"]!.GetValue<long>();
        JsonNode? parked = null;
        await EventuallyAsync(async () =>
        {
            using var list = await client.GetAsync($"/api/v1/incomplete-runs?linkId={linkId}");
            parked = (await JsonAsync(list))["items"]!.AsArray().FirstOrDefault(item => item!["runId"]!.GetValue<long>() == runId);
            return parked is not null;
        }, $"the remainder of run {runId} to be parked");
        // The run's work goes on a moment after parking (replays, link health): the link is free only once it has ended.
        await EventuallyAsync(async () =>
        {
            using var link = await client.GetAsync($"/api/v1/links/{linkId}");
            return !(await JsonAsync(link))["running"]!.GetValue<bool>();
        }, $"link {linkId} to be free");
        return parked!["id"]!.GetValue<long>();
    }

    /// <summary>What a target that is down throws: connection refused.</summary>
    public static HttpRequestException TargetDown() =>
        new("The target refused the connection.", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));

    public static async Task<JsonNode> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    /// <summary>
    /// Waits until <paramref name="condition"/> holds: for work on other threads, never for time to pass. The bound
    /// (<see cref="Patience.Limit"/>) is a safety net against a hang.
    /// </summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, string what) => Eventually.TrueAsync(condition, what);

    public async Task StopAsync()
    {
        if (_stopped)
            return;
        _stopped = true;
        await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_handedOver)
            return; // the restarted server owns the folder now
        await StopAsync();
        await _app.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    /// <summary>A push link (push only) into the <c>collect</c> target.</summary>
    public static string CollectingPushLink(string id) => $$"""
        name: {{id}}
        source: { type: push }
        target: { type: collect }
        trigger: { push: true, manual: false }
        """;

    /// <summary>Starts a manual run of a link and waits for its end; the run as GET /runs/{id} answers it.</summary>
    public async Task<JsonNode> RunToEndAsync(string key, string linkId)
    {
        using var client = Client(key);
        using var started = await client.PostAsync($"/api/v1/links/{linkId}/runs", null);
        if (started.StatusCode != System.Net.HttpStatusCode.Accepted)
            throw new InvalidOperationException($"POST run of {linkId}: {(int)started.StatusCode} {await started.Content.ReadAsStringAsync()}");
        var statusUrl = (await JsonAsync(started))["statusUrl"]!.GetValue<string>();
        JsonNode? run = null;
        await EventuallyAsync(async () =>
        {
            using var poll = await client.GetAsync(statusUrl);
            run = await JsonAsync(poll);
            return run["status"]!.GetValue<string>() != "Running";
        }, $"the end of the run of {linkId}");
        return run!;
    }

    /// <summary>A push link <c>collect-push</c> (tenant acme) writing to the collecting target in batches of 10, one at a time, without retries.</summary>
    public const string CollectPushLink = """
        name: collect-push
        tenant: acme
        source: { type: push, keyField: id }
        target: { type: collect }
        trigger: { manual: false, push: true }
        settings: { batchSize: 10, parallelism: 1, retry: { attempts: 1 } }
        """;

    public const string PushLink = """
        name: contacts-push
        tenant: acme
        source:
          type: push
          keyField: id
          errorMessage: "Contact {key}: {message}"
        steps:
          - validate:
              field: email
              required: true
              email: true
        target:
          type: sqlite
          path: target.db
          table: contacts
          key: id
        trigger:
          manual: false
          push: true
        settings:
          batchSize: 25
          parallelism: 2
        """;

    /// <summary>A push body of <paramref name="count"/> contacts; those in <paramref name="bad"/> have no email.</summary>
    public static string Contacts(int count, params int[] bad) =>
        new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = $"c{i}",
            ["name"] = $"Contact {i}",
            ["email"] = bad.Contains(i) ? "" : $"c{i}@example.com",
        })]).ToJsonString();
}
