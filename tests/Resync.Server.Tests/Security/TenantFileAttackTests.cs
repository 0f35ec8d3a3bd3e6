using Microsoft.Data.Sqlite;

namespace Resync.Server.Tests.Security;

/// <summary>
/// A tenant's links reach only the tenant's data folder: every spelling of a way out is refused with a 400 naming the key
/// and the rule, before anything is stored, read or written.
/// </summary>
public sealed class TenantFileAttackTests
{
    /// <summary>Ways to name the state file from a tenant's link; <c>{folder}</c> is the server's folder.</summary>
    public static TheoryData<string, string> StateFileSpellings => new()
    {
        { "state.db", "does not exist" },
        { "../../../state.db", "'..'" },
        { "./../../../state.db", "'..'" },
        { @"..\..\..\state.db", "'..'" },
        { "%2e%2e/%2e%2e/%2e%2e/state.db", "percent-encoding" },
        { "%2E%2E%2F%2E%2E%2F%2E%2E%2Fstate.db", "percent-encoding" },
        { "\u2024\u2024/\u2024\u2024/\u2024\u2024/state.db", "U+2024" },
        { "\uFF0E\uFF0E/\uFF0E\uFF0E/\uFF0E\uFF0E/state.db", "U+FF0E" },
        { "\u2025/\u2025/\u2025/state.db", "U+2025" },
        { "..\uFF0Fstate.db", "U+FF0F" },
        { "{folder}/state.db", "state file" },
        { "{folder}/./state.db", "state file" },
        { "{folder}/data/tenants/acme/../../../state.db", "'..'" },
        { "~/state.db", "absolute path" },
        { "file:../../../state.db", "URI" },
        { "file://{folder}/state.db", "URI" },
        { "state.db\0", "NUL" },
    };

    [Theory]
    [MemberData(nameof(StateFileSpellings))]
    public async Task ForgedOperatorKey_SqliteTargetOnTheStateFile_IsRefusedAndNothingIsWritten(string spelling, string rule)
    {
        await using var server = await ServerHarness.StartAsync();
        var keysBefore = ApiKeyRows(server);
        var path = spelling.Replace("{folder}", server.Folder, StringComparison.Ordinal);

        // The attack: a push link whose target is the server's own key table, then a push of an operator key row.
        using var acme = server.Client(server.AcmeKey);
        using var put = await PutAsync(acme, "forge", $$"""
            name: forge
            source: { type: push, keyField: prefix }
            target: { type: sqlite, path: {{Quote(path)}}, table: api_keys, key: prefix, mode: insert }
            trigger: { push: true }
            """);
        await ShouldBeRefusedAsync(put, "target.sqlite.path", rule);
        using var push = await acme.PostAsync("/api/v1/links/forge/push", ServerHarness.Json(
            """[{"prefix":"rsk_deadbeef","hash":"00","scope":"Operator","tenant":null,"name":"forged"}]"""));
        push.StatusCode.ShouldBe(HttpStatusCode.NotFound);

        ApiKeyRows(server).ShouldBe(keysBefore);
        await NoRunAsync(server);
        using var forged = server.Client("rsk_deadbeef_" + new string('A', 43));
        using var keys = await forged.GetAsync("/api/v1/keys");
        keys.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("{ type: sqlite, path: ../../../state.db, table: api_keys, keyColumn: prefix }", "source.sqlite.path", "'..'")]
    [InlineData("{ type: csv, path: /etc/passwd, delimiter: \":\", header: false }", "source.csv.path", "absolute path")]
    public async Task Source_OnTheStateFileOrTheSystemPasswordFile_IsRefused(string source, string where, string rule)
    {
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        using var put = await PutAsync(acme, "steal", $"name: steal\nsource: {source}\ntarget: {{ type: collect }}\n");
        await ShouldBeRefusedAsync(put, where, rule);
        await NoRunAsync(server);
    }

    [Theory]
    [InlineData("../../../outside.jsonl", "'..'")]
    [InlineData("{folder}/outside.jsonl", "absolute path")]
    [InlineData("../../outside.jsonl", "'..'")]
    public async Task JsonlTarget_OutsideTheDataFolder_IsRefusedAndNoFileIsCreated(string spelling, string rule)
    {
        await using var server = await ServerHarness.StartAsync();
        using var acme = server.Client(server.AcmeKey);
        using var put = await PutAsync(acme, "escape", $$"""
            name: escape
            source: { type: push }
            target: { type: jsonl, path: {{Quote(spelling.Replace("{folder}", server.Folder, StringComparison.Ordinal))}} }
            trigger: { push: true }
            """);
        await ShouldBeRefusedAsync(put, "target.jsonl.path", rule);
        File.Exists(Path.Combine(server.Folder, "outside.jsonl")).ShouldBeFalse();
        File.Exists(Path.Combine(server.Folder, "data", "outside.jsonl")).ShouldBeFalse();
        await NoRunAsync(server);
    }

    [Fact]
    public async Task KeyRing_IsRefused_EvenInsideARootTheOperatorAllowed()
    {
        // The operator widened the reach to the whole server folder: the state file and the key ring stay out of it.
        await using var server = await ServerHarness.StartAsync(configure: options => options.AllowedFileRoots = [Path.GetDirectoryName(options.DatabasePath)!]);
        await server.PutLinkAsync(server.AcmeKey, "seed", "name: seed\nsource: { type: demo, records: 1 }\ntarget: { type: collect }\n"); // the key ring exists
        var keyFile = Directory.EnumerateFiles(Path.Combine(server.Folder, "keys"), "*.xml").First();
        using var acme = server.Client(server.AcmeKey);
        var cases = new (string Path, string Rule)[]
        {
            (keyFile, "key ring"),
            (Path.Combine(server.Folder, "keys", "new-key.xml"), "key ring"),
            (server.Folder + "/./state.db", "state file"),
            (server.Folder + "//state.db-wal", "state file"),
            (server.Folder + "/state.db-shm", "state file"),
            ("../../../keys/" + Path.GetFileName(keyFile), "'..'"),
        };
        foreach (var (path, rule) in cases)
        {
            using var put = await PutAsync(acme, "ring", $$"""
                name: ring
                source: { type: jsonl, path: {{Quote(path)}} }
                target: { type: collect }
                """);
            await ShouldBeRefusedAsync(put, "source.jsonl.path", rule);
        }
        await NoRunAsync(server);

        // Inside the allowed root, anything else is reachable by absolute path.
        var shared = Path.Combine(server.Folder, "shared.jsonl");
        await File.WriteAllTextAsync(shared, """{"id":"1"}""" + "\n");
        using var allowed = await PutAsync(acme, "shared", $"name: shared\nsource: {{ type: jsonl, path: {Quote(shared)} }}\ntarget: {{ type: collect }}\n");
        allowed.StatusCode.ShouldBe(HttpStatusCode.Created, await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SymbolicLinks_InsideTheTenantFolder_PointingOut_AreRefused()
    {
        await using var server = await ServerHarness.StartAsync();
        var folder = server.TenantFolder("acme");
        Directory.CreateDirectory(folder);
        File.CreateSymbolicLink(Path.Combine(folder, "keys.db"), Path.Combine(server.Folder, "state.db"));
        File.CreateSymbolicLink(Path.Combine(folder, "relative.db"), "../../../state.db");
        Directory.CreateSymbolicLink(Path.Combine(folder, "up"), server.Folder);
        File.CreateSymbolicLink(Path.Combine(folder, "passwd.csv"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(folder, "chain.csv"), Path.Combine(folder, "passwd.csv"));
        File.CreateSymbolicLink(Path.Combine(folder, "loop.csv"), Path.Combine(folder, "loop.csv"));
        var outside = Path.Combine(server.Folder, "outside");
        Directory.CreateDirectory(outside);
        File.CreateSymbolicLink(Path.Combine(folder, "dangling.jsonl"), Path.Combine(outside, "new.jsonl"));
        using var acme = server.Client(server.AcmeKey);

        foreach (var (source, rule) in new[]
        {
            ("{ type: sqlite, path: keys.db, table: api_keys, keyColumn: prefix }", "state file"),
            ("{ type: sqlite, path: relative.db, table: api_keys, keyColumn: prefix }", "state file"),
            ("{ type: sqlite, path: up/state.db, table: api_keys, keyColumn: prefix }", "state file"),
            ("{ type: csv, path: passwd.csv }", "symbolic link"),
            ("{ type: csv, path: chain.csv }", "symbolic link"),
            ("{ type: csv, path: loop.csv }", "cannot be followed"),
            ("{ type: jsonl, path: up/keys/x.xml }", "key ring"),
        })
        {
            using var put = await PutAsync(acme, "linked", $"name: linked\nsource: {source}\ntarget: {{ type: collect }}\n");
            await ShouldBeRefusedAsync(put, "source.", rule);
        }
        using var dangling = await PutAsync(acme, "dangling", "name: dangling\nsource: { type: push }\ntarget: { type: jsonl, path: dangling.jsonl }\ntrigger: { push: true }\n");
        await ShouldBeRefusedAsync(dangling, "target.jsonl.path", "symbolic link");
        File.Exists(Path.Combine(outside, "new.jsonl")).ShouldBeFalse();
        await NoRunAsync(server);
    }

    [Fact]
    public async Task SymbolicLink_SwappedInAfterTheLinkWasAccepted_IsRefusedWhenTheFileIsOpened()
    {
        await using var server = await ServerHarness.StartAsync();
        await server.PutLinkAsync(server.AcmeKey, "late", "name: late\nsource: { type: push }\ntarget: { type: jsonl, path: late.jsonl }\ntrigger: { push: true }\n");
        var outside = Path.Combine(server.Folder, "outside.jsonl");
        File.CreateSymbolicLink(Path.Combine(server.TenantFolder("acme"), "late.jsonl"), outside);

        using var acme = server.Client(server.AcmeKey);
        using var push = await acme.PostAsync("/api/v1/links/late/push", ServerHarness.Json("""[{"id":"1"}]"""));
        var answer = await push.Content.ReadAsStringAsync();
        answer.ShouldContain("FILE_NOT_ALLOWED");
        answer.ShouldNotContain(server.Folder);
        File.Exists(outside).ShouldBeFalse();
    }

    [Fact]
    public async Task TenantLink_WithATypeTheOperatorDidNotAllow_IsRefusedNamingTheType()
    {
        await using var server = await ServerHarness.StartAsync(configure: options =>
        {
            options.TenantTargetTypes = ["collect"];
            options.TenantStepTypes = ["validate"];
        });
        using var acme = server.Client(server.AcmeKey);
        using var target = await PutAsync(acme, "typed", "name: typed\nsource: { type: push }\ntarget: { type: jsonl, path: out.jsonl }\ntrigger: { push: true }\n");
        await ShouldBeRefusedAsync(target, "target.type", "the target type 'jsonl' is not allowed for links from the API on this server (TenantTargetTypes: collect)");
        using var step = await PutAsync(acme, "typed", "name: typed\nsource: { type: push }\nsteps:\n  - set: { field: a, value: b }\ntarget: { type: collect }\ntrigger: { push: true }\n");
        await ShouldBeRefusedAsync(step, "steps[0].set", "the step type 'set' is not allowed");
        using var allowed = await PutAsync(acme, "typed", "name: typed\nsource: { type: push }\nsteps:\n  - validate: { field: a, required: true }\ntarget: { type: collect }\ntrigger: { push: true }\n");
        allowed.StatusCode.ShouldBe(HttpStatusCode.Created, await allowed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TenantLink_RelativePath_LandsInTheTenantsDataFolder_AndKeepsItsTenantAfterARestart()
    {
        var server = await ServerHarness.StartAsync();
        try
        {
            await server.PutLinkAsync(server.AcmeKey, "mine", "name: mine\nsource: { type: push }\ntarget: { type: jsonl, path: out/mine.jsonl }\ntrigger: { push: true }\n");
            await server.PutLinkAsync(server.OperatorKey, "ops", "name: ops\nsource: { type: push }\ntarget: { type: jsonl, path: ops.jsonl }\ntrigger: { push: true }\n");
            foreach (var (key, link) in new[] { (server.AcmeKey, "mine"), (server.OperatorKey, "ops") })
            {
                using var client = server.Client(key);
                using var push = await client.PostAsync($"/api/v1/links/{link}/push", ServerHarness.Json("""[{"id":"1"}]"""));
                push.StatusCode.ShouldBe(HttpStatusCode.OK, await push.Content.ReadAsStringAsync());
            }
            File.Exists(Path.Combine(server.TenantFolder("acme"), "out", "mine.jsonl")).ShouldBeTrue();
            File.Exists(Path.Combine(server.TenantFolder("default"), "ops.jsonl")).ShouldBeTrue();

            server = await server.RestartAsync();
            using var acme = server.Client(server.AcmeKey);
            using var get = await acme.GetAsync("/api/v1/links/mine");
            get.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await ServerHarness.JsonAsync(get))["tenant"]!.GetValue<string>().ShouldBe("acme");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task OperatorLinkFile_KeepsItsReach_ButNotTheStateFile()
    {
        using var links = new Resync.Testing.TempDirectory("resync-links");
        var outside = Path.Combine(links.Path, "out", "file.jsonl");
        await File.WriteAllTextAsync(Path.Combine(links.Path, "files.yaml"), $"name: files\nsource: {{ type: push }}\ntarget: {{ type: jsonl, path: {Quote(outside)} }}\ntrigger: {{ push: true }}\n");
        await using var server = await ServerHarness.StartAsync(linksFolder: links.Path);
        await File.WriteAllTextAsync(Path.Combine(links.Path, "state.yaml"),
            $"name: state\nsource: {{ type: sqlite, path: {Quote(Path.Combine(server.Folder, "state.db"))}, table: api_keys, keyColumn: prefix }}\ntarget: {{ type: collect }}\n");
        server.Services.GetService(typeof(Resync.Server.Links.LinkRegistry)).ShouldBeOfType<Resync.Server.Links.LinkRegistry>().LoadFile(Path.Combine(links.Path, "state.yaml"));

        using var client = server.Client(server.OperatorKey);
        (await client.GetAsync("/api/v1/links/files")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/api/v1/links/state")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        server.Logs.Lines.ShouldContain(line => line.Message.Contains("state.yaml", StringComparison.Ordinal)
            && line.Message.Contains("the server's state file", StringComparison.Ordinal));
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string id, string yaml) =>
        client.PutAsync($"/api/v1/links/{id}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));

    private static async Task ShouldBeRefusedAsync(HttpResponseMessage response, string where, string rule)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        var problem = JsonNode.Parse(text)!;
        problem["code"]!.GetValue<string>().ShouldBe("invalid-link");
        var message = problem["problems"]!.AsArray().Select(p => p!["message"]!.GetValue<string>()).ShouldHaveSingleItem();
        message.ShouldContain(where, Case.Sensitive, text);
        message.ShouldContain(rule, Case.Sensitive, text);
    }

    private static async Task NoRunAsync(ServerHarness server)
    {
        using var client = server.Client(server.OperatorKey);
        using var runs = await client.GetAsync("/api/v1/runs");
        (await ServerHarness.JsonAsync(runs))["items"]!.AsArray().ShouldBeEmpty();
    }

    private static long ApiKeyRows(ServerHarness server)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(server.Folder, "state.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM api_keys";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A YAML double-quoted scalar of any text (NUL and control characters escaped).</summary>
    private static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (var c in text)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\x{(int)c:X2}",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }
}
