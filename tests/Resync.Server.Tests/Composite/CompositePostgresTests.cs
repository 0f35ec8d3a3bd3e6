using System.Net;
using Npgsql;
using Resync.Testing.Postgres;

namespace Resync.Server.Tests.Composite;

public sealed class CompositePostgresTests
{
    [Fact]
    public async Task Tree_OnPostgres_PhoneTooLongForVarchar_IsStringTooLong_AndNothingIsWritten()
    {
        var postgres = await PostgresServer.SharedAsync();
        var connectionString = await postgres.CreateDatabaseAsync("composite");
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE accounts (id text PRIMARY KEY, name text NOT NULL, phone varchar(40), parent_id text REFERENCES accounts(id))", connection);
            await create.ExecuteNonQueryAsync();
        }
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "pg-accounts", $"""
            name: pg-accounts
            tenant: acme
            source:
              type: push
              keyField: id
            target:
              type: postgres
              connectionString: "{connectionString}"
              table: accounts
              key: id
              transactional: true
            trigger:
              manual: false
              push: true
            """);
        using var client = server.Client(server.AcmeKey);
        async Task<(HttpStatusCode, System.Text.Json.Nodes.JsonNode)> TreeAsync(string phone)
        {
            var json = $$$"""
                {"records": [
                  {"attributes": {"referenceId": "ref1"}, "id": "p1", "name": "BadAccount1", "phone": "{{{phone}}}",
                   "contacts": {"parentField": "parent_id", "records": [{"attributes": {"referenceId": "ref2"}, "id": "c1", "name": "Child"}]}},
                  {"attributes": {"referenceId": "ref3"}, "id": "p2", "name": "Account2"}]}
                """;
            using var response = await client.PostAsync("/api/v1/composite/tree/pg-accounts", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
            return (response.StatusCode, await ServerHarness.JsonAsync(response));
        }
        async Task<List<string>> RowsAsync()
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var select = new NpgsqlCommand("SELECT id || '|' || coalesce(parent_id, '') FROM accounts ORDER BY id", connection);
            await using var reader = await select.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
                rows.Add(reader.GetString(0));
            return rows;
        }

        var (status, body) = await TreeAsync("hello this is a really long string that should not work...");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(body["hasErrors"]!.GetValue<bool>());
        var result = Assert.Single(body["results"]!.AsArray())!;
        Assert.Equal("ref1", result["referenceId"]!.GetValue<string>());
        Assert.Equal("STRING_TOO_LONG", result["errors"]![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(["phone"], result["errors"]![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Empty(await RowsAsync());

        (_, body) = await TreeAsync("555-0100");
        Assert.False(body["hasErrors"]!.GetValue<bool>());
        Assert.Equal(["c1|p1", "p1|", "p2|"], await RowsAsync());
    }
}
