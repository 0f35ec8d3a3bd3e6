using System.Globalization;
using Npgsql;
using Resync.Testing.Postgres;

namespace Resync.Cli.Tests;

/// <summary>The real <c>resync</c> commands and server on state in PostgreSQL (<c>--state postgres://…</c>), a database per test class.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the CLI folder through IAsyncLifetime.DisposeAsync.")]
public sealed class PostgresStateTests : IAsyncLifetime
{
    private readonly CliProcess _cli = new();
    private PostgresDatabase? _database;
    private string _password = "";

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync("cli_state");
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _password = builder.Password!;
        // The URI form, as most tools print it.
        _cli.State = $"postgres://{builder.Username}:{Uri.EscapeDataString(_password)}@{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public async Task DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
        _cli.Dispose();
    }

    [Fact]
    public async Task RunThenServe_OnPostgresState_ShareRunsAndKeys_AndWriteNoStateFile()
    {
        var link = _cli.Write("contacts.yaml", RunCommandTests.LinkFile);
        var run = await _cli.RunJsonAsync(1, "run", link, "--state", _cli.State);
        var runId = run["id"]!.GetValue<long>();

        await using (var serve = await ServeProcess.StartAsync(_cli))
        {
            var served = await serve.GetAsync($"/api/v1/runs/{runId}");
            served["id"]!.GetValue<long>().ShouldBe(runId);
            served["counts"]!.ToJsonString().ShouldBe(run["counts"]!.ToJsonString(), "the CLI's counts are the API's");
        }
        var shown = await _cli.RunJsonAsync(1, "show", runId.ToString(CultureInfo.InvariantCulture), "--state", _cli.State);

        shown["counts"]!.ToJsonString().ShouldBe(run["counts"]!.ToJsonString());
        run["counts"]!["read"]!.GetValue<long>().ShouldBe(400, "the failing page is not read");
        (await Database.QueryAsync("SELECT COUNT(*) FROM runs")).ShouldHaveSingleItem()[0].ShouldBe(1L);
        (await Database.QueryAsync("SELECT COUNT(*) FROM api_keys")).ShouldHaveSingleItem()[0].ShouldBe(1L, "the key `resync keys create` made is the one the server accepted");
        File.Exists(_cli.StateFile).ShouldBeFalse();
        File.Exists(Path.Combine(_cli.Folder, ".resync", "state.db")).ShouldBeFalse();
    }

    [Fact]
    public async Task ServeJson_ShowsTheStateWithoutItsPassword()
    {
        var started = await _cli.ServeAsync(["--urls", "http://127.0.0.1:0"]);

        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString);
        started["state"]!.GetValue<string>().ShouldBe($"postgres://{builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}");
        started.ToJsonString().ShouldNotContain(_password);
    }

    [Fact]
    public async Task Command_WhenPostgresDoesNotAnswer_FailsNamingTheDatabaseWithoutItsPassword()
    {
        var error = await _cli.RunFailingAsync(2, "runs", "--state", "postgres://resync:hunter2@127.0.0.1:1/nothing");

        error.ShouldContain("@127.0.0.1:1/nothing");
        error.ShouldNotContain("hunter2");
    }

    [Theory]
    [InlineData("runs")]
    [InlineData("serve")]
    public async Task Command_WithAnUnknownConnectionOption_IsAUsageErrorNamingIt(string command)
    {
        var error = await _cli.RunFailingAsync(64, command, "--state", "postgres://resync:hunter2@127.0.0.1:1/state?frobnicate=yes");

        error.ShouldContain("frobnicate");
        error.ShouldNotContain("hunter2");
    }
}
