using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Npgsql;
using Resync.Testing.Postgres;
using Resync.Testing.RabbitMq;

namespace Resync.Cli.Tests;

/// <summary>
/// Cluster mode with real processes: <c>resync serve --broker</c> and <c>resync worker</c>s on one PostgreSQL state and one
/// RabbitMQ broker (both started by the tests on 127.0.0.1), into a PostgreSQL target whose writes are counted per key.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the CLI folder through IAsyncLifetime.DisposeAsync.")]
public sealed class WorkerCommandTests : IAsyncLifetime
{
    private const int Records = 3000;
    private const int BatchSize = 100;
    private readonly CliProcess _cli = new();
    private readonly List<Process> _workers = [];
    private PostgresDatabase? _database;
    private RabbitMqBroker? _broker;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    private string Broker => (_broker ?? throw new InvalidOperationException("The broker is started in InitializeAsync.")).Uri.ToString();

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync("cluster_cli");
        _broker = await RabbitMqBroker.SharedAsync();
        var builder = new NpgsqlConnectionStringBuilder(_database.ConnectionString);
        _cli.State = $"postgres://{builder.Username}:{Uri.EscapeDataString(builder.Password!)}@{builder.Host}:{builder.Port}/{builder.Database}";
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            if (!worker.HasExited)
                worker.Kill();
            await worker.WaitForExitAsync();
            worker.Dispose();
        }
        if (_database is not null)
            await _database.DisposeAsync();
        _cli.Dispose();
    }

    [Fact]
    public async Task Cluster_ThreeWorkers_OneKilledMidRun_EveryRecordAccountedOnce_AndTheOthersStopOnSigterm()
    {
        var target = await Database.CreateSchemaAsync("target");
        await WriteAudit.CreateAsync(target, "name text, email text");
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "links"));
        await File.WriteAllTextAsync(Path.Combine(_cli.Folder, "links", "contacts.yaml"), LinkFile(target));
        for (var i = 0; i < 3; i++)
            await StartWorkerAsync();
        await using var serve = await ServeProcess.StartAsync(_cli, "--broker", Broker);

        using var started = await serve.Client.PostAsync("/api/v1/links/contacts/runs", null);
        var runId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["runId"]!.GetValue<long>();
        await EventuallyAsync(async () => (await RunAsync(serve, runId))["counts"]!["succeeded"]!.GetValue<long>() >= 5 * BatchSize, "a few batches stored");
        _workers[0].Kill(); // SIGKILL, mid-run: the batches it held go to the other workers
        await EventuallyAsync(async () => (await RunAsync(serve, runId))["status"]!.GetValue<string>() != "Running", "the run's end");

        var run = await RunAsync(serve, runId);
        run["status"]!.GetValue<string>().ShouldBe("Succeeded");
        var counts = run["counts"]!;
        counts["read"]!.GetValue<long>().ShouldBe(Records);
        counts["succeeded"]!.GetValue<long>().ShouldBe(Records);
        counts["batchesTotal"]!.GetValue<long>().ShouldBe(Records / BatchSize);
        var written = await WriteAudit.CountAsync(target);
        written.Count.ShouldBe(Records, "every record reached the target");
        // A batch the killed worker had written but not yet stored is written again by the next worker (an upsert: the same row).
        written.Values.Sum().ShouldBeLessThanOrEqualTo(Records + 2 * BatchSize, "at most the batches the killed worker held are written again");

        foreach (var worker in _workers.Skip(1))
        {
            using var term = Process.Start("kill", ["-TERM", worker.Id.ToString(CultureInfo.InvariantCulture)])!;
            await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await worker.WaitForExitAsync(timeout.Token);
            worker.ExitCode.ShouldBe(0);
        }
    }

    [Fact]
    public async Task Worker_WithoutABroker_IsAUsageErrorNamingTheSetting()
    {
        var (exit, _, error) = await _cli.RunAsync("worker", "--state", _cli.State);

        exit.ShouldBe(64, error); // a usage error
        error.ShouldContain("Resync:Broker");
    }

    [Fact]
    public async Task Worker_OnASqliteFile_IsRefused_AndTheBrokerPasswordIsNeverPrinted()
    {
        var (exit, _, error) = await _cli.RunAsync("worker", "--state", _cli.StateFile, "--broker", "amqp://resync:hunter2@127.0.0.1:1/");

        exit.ShouldBe(64, error);
        error.ShouldContain("postgres://");
        error.ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Worker_WhenTheBrokerDoesNotAnswer_FailsNamingItWithoutItsPassword()
    {
        var (exit, _, error) = await _cli.RunAsync("worker", "--state", _cli.State, "--broker", "amqp://resync:hunter2@127.0.0.1:1/");

        exit.ShouldBe(2, error);
        error.ShouldContain("@127.0.0.1:1/");
        error.ShouldNotContain("hunter2");
    }

    private static string LinkFile(string target) => $$"""
        name: contacts
        source: { type: demo, records: {{Records}}, failingPage: 0 }
        steps:
          - map: { fields: { id: id, name: name, email: email } }
        target: { type: postgres, connectionString: "{{target}}", table: contacts, key: id }
        settings: { batchSize: {{BatchSize}}, parallelism: 4 }
        """;

    /// <summary>Starts a worker and returns once it says it is taking batches.</summary>
    private async Task StartWorkerAsync()
    {
        var worker = _cli.Start("worker", "--state", _cli.State, "--broker", Broker, "--links", Path.Combine(_cli.Folder, "links"), "--allow-loopback", "--json");
        _workers.Add(worker);
        _ = worker.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var line = await worker.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException($"resync worker exited with {worker.ExitCode}");
        JsonNode.Parse(line)!["queue"]!.GetValue<string>().ShouldBe("resync.batches");
        _ = worker.StandardOutput.ReadToEndAsync();
    }

    private static async Task<JsonNode> RunAsync(ServeProcess serve, long runId) => await serve.GetAsync($"/api/v1/runs/{runId}");

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Environment.TickCount64 + (long)TimeSpan.FromMinutes(5).TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
