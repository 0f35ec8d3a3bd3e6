using Microsoft.Data.Sqlite;
using Npgsql;
using Resync.Testing.Http;
using Resync.Testing.Postgres;

namespace Resync.Cli.Tests;

/// <summary>
/// The one crash the batch ledger is for, made to happen on purpose: <c>resync run</c> killed after its PostgreSQL target
/// committed a batch and before the batch's outcome reached the state file. The target's transaction is held by an advisory
/// lock the test owns, the state file is locked, the lock is let go, the commit is seen in the target, and the process is
/// SIGKILLed while it waits for the state file. The documented recovery then resumes the run.
/// </summary>
public sealed class BatchLedgerCrashTests : IAsyncLifetime
{
    private const int Records = 30;
    private const int PageSize = 10;
    private const long HoldKey = 7_300_415;
    private PostgresDatabase _postgres = null!;

    public async Task InitializeAsync() => _postgres = await PostgresDatabase.CreateAsync("ledger");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task KilledAfterTheTargetCommittedBeforeTheOutcomeWasStored_Resume_WritesTheBatchOnlyWithoutTheLedger(bool ledger)
    {
        var connectionString = await _postgres.CreateSchemaAsync("ledger");
        var audit = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        await WriteAudit.CreateAsync(audit, "updated text, n bigint");
        await using var source = await FakeApi.StartAsync((context, request) => ChangedContacts.AnswerAsync(context, request, Records, PageSize));
        using var cli = new CliProcess();
        var link = ChangedContacts.WritePullLink(cli, source.Url,
            $"{{ type: postgres, connectionString: \"{connectionString}\", table: contacts, key: id, transactional: true, batchLedger: {(ledger ? "true" : "false")} }}",
            PageSize, parallelism: 1);

        await using (var hold = await HeldWrites.HoldAsync(audit, "contacts", HoldKey))
        {
            using var run = cli.Start("run", link, "--db", cli.StateFile);
            var output = run.StandardOutput.ReadToEndAsync();
            var error = run.StandardError.ReadToEndAsync();
            await hold.WaitingAsync();

            // The batch's start is in the state file (the target is written only after it): lock the file, then let the target commit.
            using var state = new SqliteConnection($"Data Source={cli.StateFile};Pooling=False;Default Timeout=120");
            state.Open();
            using (var exclusive = state.CreateCommand())
            {
                exclusive.CommandText = "BEGIN IMMEDIATE";
                exclusive.ExecuteNonQuery();
            }
            await hold.ReleaseAsync();
            await HeldWrites.UntilAsync(async () => await HeldWrites.ScalarAsync(audit, "SELECT count(*) FROM writes") >= PageSize);
            run.Kill();
            await run.WaitForExitAsync();
            await Task.WhenAll(output, error);
            using var rollback = state.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            rollback.ExecuteNonQuery();
        }

        await DocumentedRecovery.RecoverAsync(cli, link, cli.StateFile);
        var runs = await DocumentedRecovery.RunsBalancedAsync(cli, cli.StateFile);
        var killed = runs.MinBy(r => r!["id"]!.GetValue<long>())!;
        killed["counts"]!["incomplete"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(PageSize, "the kill cut the batch whose write had committed");
        var written = await WriteAudit.CountAsync(audit);
        written.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, Records).Select(ChangedContacts.Key), "every record in the target");
        var twice = written.Where(pair => pair.Value > 1).Select(pair => pair.Key).Order(StringComparer.Ordinal).ToList();
        if (ledger)
        {
            twice.ShouldBeEmpty("the resume found the cut batch in the ledger and wrote nothing again");
            (await HeldWrites.ScalarAsync(audit, $"SELECT count(*) FROM resync_batches WHERE run_id = {killed["id"]} AND batch_number = 1")).ShouldBe(1);
        }
        else
        {
            // (The batch after it may have been cut after its commit too.)
            Enumerable.Range(0, PageSize).Select(ChangedContacts.Key).ShouldBeSubsetOf(twice, "without the ledger the resume writes the cut batch again");
        }
        (await DocumentedRecovery.WatermarkAsync(cli, cli.StateFile, ChangedContacts.LinkName)).ShouldBe(ChangedContacts.Changed(Records - 1));
    }

    public async Task DisposeAsync()
    {
        await _postgres.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }
}
