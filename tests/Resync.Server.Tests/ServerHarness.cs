using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resync.Connectors;
using Resync.Connectors.Breakers;
using Resync.Core.Errors;
using Resync.Core.Sdk;
using Resync.Core.Storage;
using Resync.Server;
using Resync.Server.Auth;

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
        harness.Url = app.Urls.First().TrimEnd('/');
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

    /// <summary>Creates acme's contacts table and the <see cref="PushLink"/> <c>contacts-push</c> that writes to it.</summary>
    public async Task AddContactsPushLinkAsync()
    {
        CreateContactsTable();
        await PutLinkAsync(AcmeKey, "contacts-push", PushLink);
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
        await server.PutLinkAsync(key, linkId, DemoLink(linkId, settings: ", retry: { attempts: 1 }"));
        server.Target.ThrowOnBatch(2, TargetDown());
        using var client = server.Client(key);
        var runId = (await StartRunAsync(client, linkId))["runId"]!.GetValue<long>();
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

    /// <summary>
    /// Creates a push link <paramref name="linkId"/> into the <c>collect</c> target for the key's tenant (manual runs allowed
    /// too) and pushes <paramref name="count"/> contacts to it; the pushed run's id.
    /// </summary>
    public async Task<long> PushedRunAsync(string key, string linkId, int count)
    {
        await PutLinkAsync(key, linkId, CollectingPushLink(linkId, manual: true));
        using var client = Client(key);
        using var pushed = await client.PostAsync($"/api/v1/links/{linkId}/push", Json(Contacts(count)));
        pushed.StatusCode.ShouldBe(HttpStatusCode.OK, $"push to {linkId}: {await pushed.Content.ReadAsStringAsync()}");
        return (await JsonAsync(pushed))["runId"]!.GetValue<long>();
    }

    /// <summary>Starts a manual run of a link (POST /runs); its 202 answer (anything else fails the test with what the server answered).</summary>
    public static async Task<JsonNode> StartRunAsync(HttpClient client, string linkId)
    {
        using var started = await client.PostAsync($"/api/v1/links/{linkId}/runs", null);
        started.StatusCode.ShouldBe(HttpStatusCode.Accepted, $"POST run of {linkId}: {await started.Content.ReadAsStringAsync()}");
        return await JsonAsync(started);
    }

    /// <summary>What a target's check constraint answers of a contact's phone: a durable Data error, for a person to fix.</summary>
    public static readonly ErrorClassification PhoneRefused =
        new(ErrorType.Data, Durability.Durable, "CHECK_VIOLATION", "the target's check constraint refused the phone", "Widen the phone column or shorten the value.", ["phone"]);

    /// <summary>Three of the demo's 30 contacts, one in each batch of 10: those a test's target refuses.</summary>
    public static readonly HashSet<string> RefusedContacts = ["c-00003", "c-00013", "c-00025"];

    /// <summary>What a target that is down throws: connection refused.</summary>
    public static HttpRequestException TargetDown() =>
        new("The target refused the connection.", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));

    /// <summary>A request body of JSON text.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

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

    /// <summary>
    /// A pull link of <paramref name="records"/> demo contacts into the <c>collect</c> target, in batches of 10 one at a
    /// time, with the further <paramref name="settings"/> (each after a comma: <c>", retry: { attempts: 1 }"</c>).
    /// </summary>
    public static string DemoLink(string id, int records = 30, string settings = "") => $$"""
        name: {{id}}
        source: { type: demo, records: {{records}}, failingPage: 0 }
        target: { type: collect }
        settings: { batchSize: 10, parallelism: 1{{settings}} }
        """;

    /// <summary>A push link into the <c>collect</c> target: push only, unless <paramref name="manual"/> runs may start it too.</summary>
    public static string CollectingPushLink(string id, bool manual = false) => $$"""
        name: {{id}}
        source: { type: push }
        target: { type: collect }
        trigger: { push: true, manual: {{(manual ? "true" : "false")}} }
        """;

    /// <summary>Starts a manual run of a link and waits for its end; the run as GET /runs/{id} answers it.</summary>
    public async Task<JsonNode> RunToEndAsync(string key, string linkId)
    {
        using var client = Client(key);
        var statusUrl = (await StartRunAsync(client, linkId))["statusUrl"]!.GetValue<string>();
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

    /// <summary>A push body of <paramref name="count"/> contacts <c>c0</c>…; those in <paramref name="bad"/> have no email.</summary>
    public static string Contacts(int count, params int[] bad) => Contacts("c", count, bad);

    /// <summary>A push body of <paramref name="count"/> contacts <c>{prefix}0</c>…; those in <paramref name="bad"/> have no email.</summary>
    public static string Contacts(string prefix, int count, params int[] bad) =>
        new JsonArray([.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject
        {
            ["id"] = $"{prefix}{i}",
            ["name"] = $"Contact {prefix}{i}",
            ["email"] = bad.Contains(i) ? "" : $"{prefix}{i}@example.com",
        })]).ToJsonString();
}
