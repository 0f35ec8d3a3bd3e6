using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace Resync.Server.Tests.Composite;

/// <summary>A real server with an "accounts" SQLite table behind a transactional push link of tenant acme.</summary>
internal sealed class CompositeFixture : IAsyncDisposable
{
    private CompositeFixture(ServerHarness server, string database)
    {
        Server = server;
        Database = database;
    }

    public ServerHarness Server { get; }

    public string Database { get; }

    public const string LinkId = "accounts";

    public static async Task<CompositeFixture> StartAsync(bool transactional = true)
    {
        var server = await ServerHarness.StartAsync();
        var database = Path.Combine(server.Folder, "accounts.db");
        await using (var connection = new SqliteConnection($"Data Source={database};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE accounts (id TEXT PRIMARY KEY, name TEXT NOT NULL, phone TEXT, parent_id TEXT)";
            command.ExecuteNonQuery();
        }
        await server.PutLinkAsync(server.AcmeKey, LinkId, $"""
            name: accounts
            tenant: acme
            source:
              type: push
              keyField: id
            steps:
              - validate:
                  field: phone
                  maxLength: 40
            target:
              type: sqlite
              path: {database}
              table: accounts
              key: id
              transactional: {(transactional ? "true" : "false")}
            trigger:
              manual: false
              push: true
            """);
        return new CompositeFixture(server, database);
    }

    public async Task<(HttpStatusCode Status, JsonNode Body)> PostAsync(string path, string json, string? key = null)
    {
        using var client = Server.Client(key ?? Server.AcmeKey);
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await ServerHarness.JsonAsync(response));
    }

    /// <summary>The table's rows as "id|name|phone|parent_id", sorted.</summary>
    public List<string> Rows()
    {
        using var connection = new SqliteConnection($"Data Source={Database};Pooling=False");
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
