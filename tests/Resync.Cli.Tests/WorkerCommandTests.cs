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
    /// <summary>Records of the drill: 3,000 in CI; <c>RESYNC_DRILL_RECORDS</c> (tests/cluster-drill.sh) runs more, e.g. 1,000,000.</summary>
    private static readonly int Records = int.Parse(Environment.GetEnvironmentVariable("RESYNC_DRILL_RECORDS") is { Length: > 0 } drill ? drill : "3000", CultureInfo.InvariantCulture);
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
        // Transactional: the target keeps its batch ledger, so a batch the killed worker wrote but did not store is not written again.
        await File.WriteAllTextAsync(Path.Combine(_cli.Folder, "links", "contacts.yaml"), LinkFile(target).Replace("key: id }", "key: id, transactional: true }", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
            await StartWorkerAsync();
        await using var serve = await ServeProcess.StartAsync(_cli, "--broker", Broker);

        using var started = await serve.Client.PostAsync("/api/v1/links/contacts/runs", null);
        var runId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["runId"]!.GetValue<long>();
        await EventuallyAsync(async () => (await RunAsync(serve, runId))["counts"]!["succeeded"]!.GetValue<long>() >= 5 * BatchSize, "a few batches stored");
        _workers[0].Kill(); // SIGKILL, mid-run: the batches it held go to the other workers
        var killedAt = (await RunAsync(serve, runId))["counts"]!["succeeded"]!.GetValue<long>();
        await EventuallyAsync(async () => (await RunAsync(serve, runId))["status"]!.GetValue<string>() != "Running", "the run's end");

        var run = await RunAsync(serve, runId);
        var writes = await WriteAudit.CountAsync(target);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cluster drill: {Records} records, 3 workers, one SIGKILLed after {killedAt} records stored, run {run["status"]} in {clock.Elapsed.TotalSeconds:F0} s, " +
            $"succeeded {run["counts"]!["succeeded"]}, rows {writes.Count}, written twice {writes.Values.Count(n => n > 1)}"));
        run["status"]!.GetValue<string>().ShouldBe("Succeeded");
        var counts = run["counts"]!;
        counts["read"]!.GetValue<long>().ShouldBe(Records);
        counts["succeeded"]!.GetValue<long>().ShouldBe(Records);
        counts["batchesTotal"]!.GetValue<long>().ShouldBe(Records / BatchSize);
        writes.Count.ShouldBe(Records, "every record reached the target");
        writes.Where(pair => pair.Value > 1).ShouldBeEmpty("no row written twice: a batch the killed worker had written is found in the ledger by its redelivery");

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
    public async Task Worker_KilledAfterItsTargetCommittedBeforeItStoredTheBatch_TheRedeliveryWritesNothingAgain()
    {
        const long hold = 7_300_416;
        const int records = 300;
        var target = await Database.CreateSchemaAsync("target");
        await WriteAudit.CreateAsync(target, "name text, email text");
        Directory.CreateDirectory(Path.Combine(_cli.Folder, "links"));
        await File.WriteAllTextAsync(Path.Combine(_cli.Folder, "links", "contacts.yaml"),
            LinkFile(target, records).Replace("key: id }", "key: id, transactional: true }", StringComparison.Ordinal));
        await using var held = await HeldWrites.HoldAsync(target, "contacts", hold);
        await StartWorkerAsync();
        await using var serve = await ServeProcess.StartAsync(_cli, "--broker", Broker);

        using var started = await serve.Client.PostAsync("/api/v1/links/contacts/runs", null);
        var runId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["runId"]!.GetValue<long>();
        await held.WaitingAsync();
        // The batch rows locked in the state: the worker cannot store a result. Then its target commits, and it is killed.
        await using var state = new NpgsqlConnection(Database.ConnectionString);
        await state.OpenAsync();
        await using var locking = await state.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand($"SELECT number FROM batches WHERE run_id = {runId} FOR UPDATE", state, locking))
            await lockRows.ExecuteNonQueryAsync();
        await held.ReleaseAsync();
        await EventuallyAsync(async () => await HeldWrites.ScalarAsync(target, "SELECT count(*) FROM writes") >= BatchSize, "a batch committed in the target");
        _workers[0].Kill(); // SIGKILL: the batch it wrote is not stored, not acknowledged
        await _workers[0].WaitForExitAsync();
        await StartWorkerAsync();
        await locking.CommitAsync();
        await EventuallyAsync(async () => (await RunAsync(serve, runId))["status"]!.GetValue<string>() != "Running", "the run's end");

        var run = await RunAsync(serve, runId);
        run["status"]!.GetValue<string>().ShouldBe("Succeeded");
        run["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(records);
        var written = await WriteAudit.CountAsync(target);
        written.Count.ShouldBe(records, "every record reached the target");
        written.Where(pair => pair.Value > 1).ShouldBeEmpty("the redelivered batch was found in the target's batch ledger and not written again");
        (await HeldWrites.ScalarAsync(target, $"SELECT count(*) FROM resync_batches WHERE run_id = {runId}")).ShouldBe(records / BatchSize);
    }

    [Fact]
    public async Task Worker_WithoutABroker_IsAUsageErrorNamingTheSetting()
    {
        var (exit, _, error) = await _cli.RunAsync("worker", "--state", _cli.State);

        exit.ShouldBe(64, error); // a usage error
        error.ShouldContain("Resync:Broker");
    }

    [Fact]
    public async Task Worker_WithAPrefetchOutOfRange_IsAUsageErrorNamingTheSetting()
    {
        _cli.Environment["RESYNC__WORKERPREFETCH"] = "0";

        var (exit, _, error) = await _cli.RunAsync("worker", "--state", _cli.State, "--broker", "amqp://resync:hunter2@127.0.0.1:1/");

        exit.ShouldBe(64, error);
        error.ShouldContain("WorkerPrefetch");
        error.ShouldContain("1..1000");
        error.ShouldNotContain("hunter2");
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

    private static string LinkFile(string target, int? records = null) => $$"""
        name: contacts
        source: { type: demo, records: {{records ?? Records}}, failingPage: 0 }
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
        var started = JsonNode.Parse(line)!;
        started["queue"]!.GetValue<string>().ShouldBe("resync.batches");
        started["prefetch"]!.GetValue<int>().ShouldBe(2, "the default");
        _ = worker.StandardOutput.ReadToEndAsync();
    }

    private static async Task<JsonNode> RunAsync(ServeProcess serve, long runId) => await serve.GetAsync($"/api/v1/runs/{runId}");

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        // A safety net against a hang (longer for a long drill), never what the test measures.
        var deadline = Environment.TickCount64 + (long)TimeSpan.FromMinutes(5 + Records / 5_000).TotalMilliseconds;
        while (!await condition())
        {
            if (Environment.TickCount64 > deadline)
                throw new TimeoutException($"Timed out waiting for: {what}");
            await Task.Delay(50);
        }
    }
}
