using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;
using Resync.Testing.Postgres;

namespace Resync.Server.Tests.Composite;

/// <summary>
/// A real server with an "accounts" table behind a push link of tenant acme: in a SQLite file (a validate step caps
/// phone at 40 characters), or in a real PostgreSQL database (the column is varchar(40), so the target refuses; parent_id is a foreign key, so parents must be written first).
/// </summary>
internal sealed class CompositeFixture : IAsyncDisposable
{
    private readonly Func<DbConnection> _connect;

    private CompositeFixture(ServerHarness server, Func<DbConnection> connect)
    {
        Server = server;
        _connect = connect;
    }

    public ServerHarness Server { get; }

    public const string LinkId = "accounts";

    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";

    public static TheoryData<string> Stores => [Sqlite, Postgres];

    public static async Task<CompositeFixture> StartAsync(bool transactional = true, string store = Sqlite, Action<ServerOptions>? configure = null, bool push = true)
    {
        var server = await ServerHarness.StartAsync(configure: configure);
        string target;
        Func<DbConnection> connect;
        if (store == Postgres)
        {
            var connectionString = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync("composite");
            connect = () => new NpgsqlConnection(connectionString);
            target = $"""
                  type: postgres
                  connectionString: "{connectionString}"
                """;
        }
        else
        {
            Directory.CreateDirectory(server.TenantFolder("acme"));
            var database = Path.Combine(server.TenantFolder("acme"), "accounts.db");
            connect = () => new SqliteConnection($"Data Source={database};Pooling=False");
            target = """
                  type: sqlite
                  path: accounts.db
                """;
        }
        await using (var connection = connect())
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, phone VARCHAR(40), parent_id TEXT REFERENCES accounts(id))";
            await command.ExecuteNonQueryAsync();
        }
        var steps = store == Postgres ? "steps: []" : """
            steps:
              - validate:
                  field: phone
                  maxLength: 40
            """;
        await server.PutLinkAsync(server.AcmeKey, LinkId, $"""
            name: accounts
            tenant: acme
            source:
              type: push
              keyField: id
            {steps}
            target:
            {target}
              table: accounts
              key: id
              transactional: {(transactional ? "true" : "false")}
            trigger:
              manual: false
              push: {(push ? "true" : "false")}
            """);
        return new CompositeFixture(server, connect);
    }

    public async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string path, string json, string? key = null, string? idempotencyKey = null)
    {
        using var client = Server.Client(key ?? Server.AcmeKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = ServerHarness.Json(json) };
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await ServerHarness.JsonAsync(response));
    }

    /// <summary>Posts a call answered 200 with a failed subrequest in it; the body and its results, one a subrequest.</summary>
    public async Task<(JsonNode Body, JsonArray Results)> PostWithErrorsAsync(string path, string json)
    {
        var (status, body) = await PostAsync(path, json);
        status.ShouldBe(HttpStatusCode.OK);
        body["hasErrors"]!.GetValue<bool>().ShouldBeTrue();
        return (body, body["results"]!.AsArray());
    }

    /// <summary>A run of the acme tenant, and its records of one outcome.</summary>
    public async Task<(JsonNode Run, JsonArray Records)> RunAsync(long runId, string outcome = "all")
    {
        using var client = Server.Client(Server.AcmeKey);
        var run = await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{runId}"));
        var records = await ServerHarness.JsonAsync(await client.GetAsync($"/api/v1/runs/{runId}/records?outcome={outcome}"));
        return (run, records["items"]!.AsArray());
    }

    /// <summary>The table's rows as "id|name|phone|parent_id", sorted.</summary>
    public List<string> Rows()
    {
        using var connection = _connect();
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, phone, parent_id FROM accounts ORDER BY id";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
            rows.Add(string.Join('|', Enumerable.Range(0, 4).Select(i => reader.IsDBNull(i) ? "" : reader.GetString(i))));
        return rows;
    }

    public static JsonObject Create(string? referenceId, string id, string? name, string? phone = null, string? parent = null)
    {
        var body = new JsonObject { ["id"] = id, ["name"] = name };
        if (phone is not null)
            body["phone"] = phone;
        if (parent is not null)
            body["parent_id"] = parent;
        var subrequest = new JsonObject { ["method"] = "POST", ["url"] = $"/api/v1/links/{LinkId}/records", ["body"] = body };
        if (referenceId is not null)
            subrequest["referenceId"] = referenceId;
        return subrequest;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
