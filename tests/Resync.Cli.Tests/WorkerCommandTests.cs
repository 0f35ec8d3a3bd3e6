using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Resync.Testing.Postgres;
using Resync.Testing.RabbitMq;

namespace Resync.Cli.Tests;

/// <summary>
/// Cluster mode with real processes: <c>resync serve --broker</c> and <c>resync worker</c>s on one PostgreSQL state and one
/// RabbitMQ broker (both started by the tests on 127.0.0.1), into a PostgreSQL target whose writes are counted per key.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the cluster through IAsyncLifetime.DisposeAsync.")]
public sealed class WorkerCommandTests : IAsyncLifetime
{
    /// <summary>Records of the drill: 3,000 in CI; <c>RESYNC_DRILL_RECORDS</c> (tests/cluster-drill.sh) runs more, e.g. 1,000,000.</summary>
    private static readonly int Records = int.Parse(Environment.GetEnvironmentVariable("RESYNC_DRILL_RECORDS") is { Length: > 0 } drill ? drill : "3000", CultureInfo.InvariantCulture);
    private const int BatchSize = 100;
    private PostgresDatabase? _database;
    private ClusterProcesses? _cluster;

    private PostgresDatabase Database => _database ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    private ClusterProcesses Cluster => _cluster ?? throw new InvalidOperationException("The cluster is set up in InitializeAsync.");

    private CliProcess Cli => Cluster.Cli;

    public async Task InitializeAsync()
    {
        _database = await PostgresDatabase.CreateAsync("cluster_cli");
        _cluster = new ClusterProcesses(_database.ConnectionString, (await RabbitMqBroker.SharedAsync()).Uri);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
        if (_database is not null)
            await _database.DisposeAsync();
    }

    [Fact]
    public async Task Cluster_ThreeWorkers_OneKilledMidRun_EveryRecordAccountedOnce_AndTheOthersStopOnSigterm()
    {
        var target = await Database.CreateSchemaAsync("target");
        await WriteAudit.CreateAsync(target, "name text, email text");
        // Transactional: the target keeps its batch ledger, so a batch the killed worker wrote but did not store is not written again.
        await Cluster.WriteLinkAsync("contacts", LinkFile(target).Replace("key: id }", "key: id, transactional: true }", StringComparison.Ordinal));
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 3; i++)
            await StartWorkerAsync();
        await Cluster.StartServeAsync();

        var runId = await Cluster.StartRunAsync("contacts");
        await EventuallyAsync(async () => (await Cluster.RunAsync(runId))["counts"]!["succeeded"]!.GetValue<long>() >= 5 * BatchSize, "a few batches stored");
        Cluster.Workers[0].Kill(); // SIGKILL, mid-run: the batches it held go to the other workers
        var killedAt = (await Cluster.RunAsync(runId))["counts"]!["succeeded"]!.GetValue<long>();
        await EventuallyAsync(async () => (await Cluster.RunAsync(runId))["status"]!.GetValue<string>() != "Running", "the run's end");

        var run = await Cluster.RunAsync(runId);
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

        foreach (var worker in Cluster.Workers.Skip(1))
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
        await Cluster.WriteLinkAsync("contacts", LinkFile(target, records).Replace("key: id }", "key: id, transactional: true }", StringComparison.Ordinal));
        await using var held = await HeldWrites.HoldAsync(target, "contacts", hold);
        await StartWorkerAsync();
        await Cluster.StartServeAsync();

        var runId = await Cluster.StartRunAsync("contacts");
        await held.WaitingAsync();
        // The batch rows locked in the state: the worker cannot store a result. Then its target commits, and it is killed.
        await using var state = new NpgsqlConnection(Database.ConnectionString);
        await state.OpenAsync();
        await using var locking = await state.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand($"SELECT number FROM batches WHERE run_id = {runId} FOR UPDATE", state, locking))
            await lockRows.ExecuteNonQueryAsync();
        await held.ReleaseAsync();
        await EventuallyAsync(async () => await HeldWrites.ScalarAsync(target, "SELECT count(*) FROM writes") >= BatchSize, "a batch committed in the target");
        Cluster.Workers[0].Kill(); // SIGKILL: the batch it wrote is not stored, not acknowledged
        await Cluster.Workers[0].WaitForExitAsync();
        await StartWorkerAsync();
        await locking.CommitAsync();
        await EventuallyAsync(async () => (await Cluster.RunAsync(runId))["status"]!.GetValue<string>() != "Running", "the run's end");

        var run = await Cluster.RunAsync(runId);
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
        var error = await Cli.RunFailingAsync(64, "worker", "--state", Cli.State); // a usage error

        error.ShouldContain("Resync:Broker");
    }

    [Fact]
    public async Task Worker_WithAPrefetchOutOfRange_IsAUsageErrorNamingTheSetting()
    {
        Cli.Environment["RESYNC__WORKERPREFETCH"] = "0";

        var error = await Cli.RunFailingAsync(64, "worker", "--state", Cli.State, "--broker", "amqp://resync:hunter2@127.0.0.1:1/");

        error.ShouldContain("WorkerPrefetch");
        error.ShouldContain("1..1000");
        error.ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Worker_OnASqliteFile_IsRefused_AndTheBrokerPasswordIsNeverPrinted()
    {
        var error = await Cli.RunFailingAsync(64, "worker", "--state", Cli.StateFile, "--broker", "amqp://resync:hunter2@127.0.0.1:1/");

        error.ShouldContain("postgres://");
        error.ShouldNotContain("hunter2");
    }

    [Fact]
    public async Task Worker_WhenTheBrokerDoesNotAnswer_FailsNamingItWithoutItsPassword()
    {
        var error = await Cli.RunFailingAsync(2, "worker", "--state", Cli.State, "--broker", "amqp://resync:hunter2@127.0.0.1:1/");

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

    private async Task StartWorkerAsync()
    {
        var started = await Cluster.StartWorkerAsync();
        started["queue"]!.GetValue<string>().ShouldBe("resync.batches");
        started["prefetch"]!.GetValue<int>().ShouldBe(2, "the default");
    }

    // A safety net against a hang (longer for a long drill), never what the test measures.
    private static Task EventuallyAsync(Func<Task<bool>> condition, string what) =>
        Eventually.TrueAsync(condition, what, TimeSpan.FromMinutes(5 + Records / 5_000));
}
