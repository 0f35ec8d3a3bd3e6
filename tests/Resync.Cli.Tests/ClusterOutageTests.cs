using Npgsql;
using Resync.Testing.Postgres;
using Resync.Testing.RabbitMq;

namespace Resync.Cli.Tests;

/// <summary>
/// Cluster mode with real processes when the infrastructure restarts mid-run: the broker (the run completes with nothing lost)
/// and the PostgreSQL state store (the run stops into an incomplete run, and one resume finishes it). The run is held mid-way
/// without timing: one record's key is locked in the target by an open transaction, so its batch cannot finish until the test
/// rolls that transaction back, and the run cannot end before then.
/// </summary>
public sealed class ClusterOutageTests
{
    private const int Records = 3000;
    private const int BatchSize = 50; // 60 batches: more than a run keeps unreported in the queue (32), so publishing goes on after the restart
    private const string HeldKey = "c-00525"; // in batch 11

    [Fact]
    public async Task Broker_RestartedMidRun_RunCompletes_WithEveryRecordOnceInTheTarget()
    {
        await using var broker = await RabbitMqBroker.StartAsync(CancellationToken.None);
        await using var database = await PostgresDatabase.CreateAsync("cluster_broker");
        var target = await TargetAsync(database);
        await using var cluster = new ClusterProcesses(database.ConnectionString, broker.Uri);

        // Batches queued, held by workers, and reports on their way are all cut off.
        var runId = await RunUntilAsync(cluster, target, () => broker.StopForAWhileAsync());
        await broker.StartAgainAsync();
        var run = await cluster.EndedRunAsync(runId);

        run["status"]!.GetValue<string>().ShouldBe("Succeeded", run.ToJsonString());
        var counts = run["counts"]!;
        counts["read"]!.GetValue<long>().ShouldBe(Records);
        counts["succeeded"]!.GetValue<long>().ShouldBe(Records);
        counts["batchesTotal"]!.GetValue<long>().ShouldBe(Records / BatchSize);
        await EveryRecordOnceAsync(target);
    }

    [Fact]
    public async Task Postgres_RestartedMidRun_RunSucceedsOrStopsIntoAnIncompleteRunThatOneResumeFinishes_NothingLost()
    {
        await using var server = await PostgresServer.StartAsync(CancellationToken.None); // the state's own server: the test stops it
        var state = await server.CreateDatabaseAsync("state");
        await using var database = await PostgresDatabase.CreateAsync("cluster_state_target"); // the target stays up
        var target = await TargetAsync(database);
        var broker = await RabbitMqBroker.SharedAsync();
        await using var cluster = new ClusterProcesses(state, await broker.CreateVirtualHostAsync("state-outage"));

        var runId = await RunUntilAsync(cluster, target, () => server.StopForAWhileAsync(CancellationToken.None));
        await server.StartAgainAsync();
        var run = await cluster.EndedRunAsync(runId);

        run["counts"]!["isBalanced"]!.GetValue<bool>().ShouldBeTrue(run.ToJsonString());
        // Which store write meets a connection the restart closed is a race: when none does (another call used them up first),
        // the run simply succeeds. Either way nothing is lost; when one does, the run stops into one incomplete run.
        if (run["status"]!.GetValue<string>() != "Succeeded")
        {
            run["status"]!.GetValue<string>().ShouldBe("Failed", run.ToJsonString());
            run["systemError"]!["step"]!.GetValue<string>().ShouldBe("store");
            var parked = await ParkedAsync(cluster, runId);
            using var retried = await cluster.Serve.Client.PostAsync($"/api/v1/incomplete-runs/{parked["id"]!.GetValue<long>()}/retry", null);
            var retriedBody = await retried.Content.ReadAsStringAsync();
            retried.IsSuccessStatusCode.ShouldBeTrue(retriedBody);
            var resume = await cluster.EndedRunAsync(JsonNode.Parse(retriedBody)!["runId"]!.GetValue<long>());
            resume["status"]!.GetValue<string>().ShouldBe("Succeeded", resume.ToJsonString());
        }
        await EveryRecordOnceAsync(target);
    }

    private static string LinkFile(string target) => $$"""
        name: contacts
        source: { type: demo, records: {{Records}}, failingPage: 0 }
        steps:
          - map: { fields: { id: id, name: name, email: email } }
        target: { type: postgres, connectionString: "{{target}};Command Timeout=0", table: contacts, key: id }
        settings: { batchSize: {{BatchSize}}, parallelism: 4, backoff: [1h] }
        """;

    /// <summary>
    /// Waits until the run's remainder is parked (just after its end is stored) and the link is free again; returns the incomplete
    /// run, the link's only one.
    /// </summary>
    private static async Task<JsonNode> ParkedAsync(ClusterProcesses cluster, long runId)
    {
        JsonArray parked = [];
        await ClusterProcesses.EventuallyAsync(async () =>
        {
            parked = (await cluster.Serve.GetAsync("/api/v1/incomplete-runs?linkId=contacts"))["items"]!.AsArray();
            return parked.Count > 0;
        }, $"the remainder of run {runId} to be parked");
        await ClusterProcesses.EventuallyAsync(async () => !(await cluster.Serve.GetAsync("/api/v1/links/contacts"))["running"]!.GetValue<bool>(),
            "the link to be free");
        var incomplete = parked.ShouldHaveSingleItem("the run's remainder is one incomplete run")!;
        incomplete["runId"]!.GetValue<long>().ShouldBe(runId);
        return incomplete;
    }

    private static async Task<string> TargetAsync(PostgresDatabase database)
    {
        var target = await database.CreateSchemaAsync("target");
        await WriteAudit.CreateAsync(target, "name text, email text");
        return target;
    }

    /// <summary>
    /// Starts two workers and the server, starts a run of the link, and once a few batches are stored (the run is under way, and
    /// cannot end while the held key's batch waits) runs <paramref name="outage"/>, then lets the held batch go; returns the run's id.
    /// </summary>
    private static async Task<long> RunUntilAsync(ClusterProcesses cluster, string target, Func<Task> outage)
    {
        await cluster.WriteLinkAsync("contacts", LinkFile(target));
        await cluster.StartWorkerAsync();
        await cluster.StartWorkerAsync();
        await cluster.StartServeAsync();
        await using var held = await HoldKeyAsync(target);
        var runId = await cluster.StartRunAsync("contacts");
        await ClusterProcesses.EventuallyAsync(async () => (await cluster.RunAsync(runId))["counts"]!["succeeded"]!.GetValue<long>() >= 5 * BatchSize,
            "a few batches stored");
        await outage();
        return runId;
    }

    /// <summary>
    /// Inserts the held key in an open transaction: the batch that writes it waits (an upsert waits for a competing insert of its
    /// key) until the transaction is rolled back on dispose, which counts nothing in the audit.
    /// </summary>
    private static async Task<NpgsqlConnection> HoldKeyAsync(string target)
    {
        var connection = new NpgsqlConnection(target);
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand($"BEGIN; INSERT INTO contacts (id, name) VALUES ('{HeldKey}', 'held by the test')", connection);
        await insert.ExecuteNonQueryAsync();
        return connection;
    }

    /// <summary>Every record of the source is in the target once; the audit says how often a batch redelivered by the outage wrote again.</summary>
    private static async Task EveryRecordOnceAsync(string target)
    {
        await using var connection = new NpgsqlConnection(target);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*), count(DISTINCT id) FROM contacts", connection);
        await using var reader = await count.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        reader.GetInt64(0).ShouldBe(Records);
        reader.GetInt64(1).ShouldBe(Records);
        var written = await WriteAudit.CountAsync(target);
        written.Count.ShouldBe(Records, "every record reached the target");
    }
}
