using Microsoft.Data.Sqlite;

namespace Resync.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    /// <summary>A demo link whose second page fails (200 of its 300 records are read), used by other command tests too.</summary>
    internal const string LinkFile = """
        name: contacts
        source:
          type: demo
          records: 500
          failingPage: 2
        steps:
          - validate:
              field: email
              required: true
        target:
          type: demo
          path: target.db
        settings:
          batchSize: 100
        """;

    [Fact]
    public async Task Demo_FinishesWithErrors_AndEveryRecordReadIsAccountedFor()
    {
        var run = await _cli.RunJsonAsync(1, "demo", "--db", _cli.StateFile);

        run["status"]!.GetValue<string>().ShouldBe("CompletedWithErrors");
        var counts = run["counts"]!.AsObject();
        Count(counts, "read").ShouldBe(Count(counts, "succeeded") + Count(counts, "failed") + Count(counts, "ignored"));
        Count(counts, "read").ShouldBe(2900);
        Count(counts, "ignored").ShouldBeGreaterThan(0);
        Count(counts, "warnings").ShouldBeGreaterThan(0);
        Count(counts, "batchesFailed").ShouldBe(1);
        run["batchErrors"]!.AsArray().Single()!["error"]!["code"]!.GetValue<string>().ShouldBe("INVALID_JSON");
        var groups = run["errorGroups"]!.AsArray().Select(g => g!["code"]!.GetValue<string>()).ToList();
        groups.ShouldBe(["SQLITE_CONSTRAINT_CHECK", "INVALID_EMAIL", "REQUIRED"], ignoreOrder: true);
    }

    [Fact]
    public async Task Demo_ConsoleSummary_ShowsBatchErrorsThenGroupedRecordErrors()
    {
        var (exit, output, _) = await _cli.RunAsync("demo", "--db", _cli.StateFile);

        exit.ShouldBe(1);
        output.ShouldContain("Completed with errors");
        output.IndexOf("Batch errors", StringComparison.Ordinal).ShouldBeLessThan(output.IndexOf("Record errors", StringComparison.Ordinal));
        output.ShouldContain("53 records: Data SQLITE_CONSTRAINT_CHECK at target [phone]");
    }

    [Fact]
    public async Task Run_StoresTheRun_AndShowListsFailedRecordsWithSnapshots()
    {
        var link = _cli.Write("contacts.yaml", LinkFile);
        var run = await _cli.RunJsonAsync(1, "run", link, "--db", _cli.StateFile);
        var id = run["id"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var shown = await _cli.RunJsonAsync(1, "show", id, "--records", "failed", "--db", _cli.StateFile);
        var listed = await _cli.RunJsonAsync(0, "runs", "--db", _cli.StateFile);

        shown["counts"]!.ToJsonString().ShouldBe(run["counts"]!.ToJsonString());
        var record = shown["records"]!.AsArray().First()!;
        record["outcome"]!.GetValue<string>().ShouldBe("Failed");
        record["before"]!["id"].ShouldNotBeNull();
        record["after"].ShouldNotBeNull();
        listed["items"]!.AsArray().Single()!["id"]!.GetValue<long>().ShouldBe(run["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task LinkFileWithTypo_ExitsWithUsageCode_NamingFileLineAndFix()
    {
        var link = _cli.Write("typo.yaml", LinkFile.Replace("batchSize", "batchSzie", StringComparison.Ordinal));

        var error = await _cli.RunFailingAsync(64, "run", link, "--db", _cli.StateFile);

        error.ShouldContain($"{link}:14:3: unknown key 'batchSzie' in link.settings — did you mean 'batchSize'?");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task LinkFileWithoutSourceOrWithWrongType_ExitsWithUsageCode()
    {
        var noSource = _cli.Write("nosource.yaml", string.Join('\n', LinkFile.Split('\n').Where((_, i) => i is < 1 or > 4)));
        var wrongType = _cli.Write("wrongtype.yaml", LinkFile.Replace("records: 500", "records: many", StringComparison.Ordinal));

        var missing = await _cli.RunFailingAsync(64, "run", noSource, "--db", _cli.StateFile);
        var wrong = await _cli.RunFailingAsync(64, "run", wrongType, "--db", _cli.StateFile);

        missing.ShouldContain("the required key 'source' is missing");
        wrong.ShouldContain("source.demo.records: expected a whole number, found 'many'");
    }

    [Fact]
    public async Task StateFileThatIsNotSqlite_ExitsWithClearErrorAndNoStackTrace()
    {
        var notADatabase = _cli.Write("notes.txt", string.Concat(Enumerable.Repeat("these are not the records you are looking for\n", 200)));

        var error = await _cli.RunFailingAsync(2, "demo", "--db", notADatabase);

        error.ShouldContain(notADatabase);
        error.ShouldContain("not a SQLite database");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task StateFileOfANewerResync_ExitsNamingTheFileAndTheVersions_WithoutAStackTrace()
    {
        (await _cli.RunAsync("demo", "--db", _cli.StateFile)).ExitCode.ShouldBe(1, "the demo completes with errors");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_cli.StateFile};Pooling=false"))
        {
            // As a newer Resync leaves it: a run store script this one does not know, applied.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (version, applied_at) VALUES (99, '2030-01-01T00:00:00.0000000Z')";
            command.ExecuteNonQuery();
        }

        var error = await _cli.RunFailingAsync(2, "demo", "--db", _cli.StateFile);

        error.ShouldContain($"The state file '{_cli.StateFile}' was migrated by a newer Resync: it holds run store schema version 99");
        error.ShouldContain("same version");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task BadUsage_ExitsWith64()
    {
        (await _cli.RunAsync("show", "not-a-number")).ExitCode.ShouldBe(64);
        (await _cli.RunAsync("frobnicate")).ExitCode.ShouldBe(64);
        (await _cli.RunAsync("show", "999", "--db", _cli.StateFile)).Error.ShouldContain("There is no run 999");
    }

    [Fact]
    public async Task ServeWithAnAllowedNetworkThatIsNotARange_ExitsWith64_NamingIt()
    {
        var error = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--allow-network", "10.0.0.0/8", "--allow-network", "intranet");

        error.ShouldContain("--allow-network: 'intranet' is not an address range in CIDR form");
    }

    [Fact]
    public async Task RunKilledMidway_IsMarkedInterruptedAtNextStart_WithCountsIntact()
    {
        var link = _cli.Write("big.yaml", LinkFile.Replace("records: 500", "records: 5000000", StringComparison.Ordinal).Replace("batchSize: 100", "batchSize: 1000", StringComparison.Ordinal));
        using (var process = _cli.Start("run", link, "--db", _cli.StateFile))
        {
            // A safety net against a hang (generous: the machine may be running several suites at once).
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            while (FinishedBatches() < 10)
            {
                process.HasExited.ShouldBeFalse("the run ended before it could be killed");
                await Task.Delay(50, timeout.Token);
            }
            process.Kill(); // SIGKILL: no chance to clean up.
            await process.WaitForExitAsync(timeout.Token);
        }

        var (exit, output, notices) = await _cli.RunAsync("runs", "--json", "--db", _cli.StateFile);

        exit.ShouldBe(0);
        notices.ShouldContain("marked Interrupted");
        var run = JsonNode.Parse(output)!["items"]!.AsArray().Single()!;
        run["status"]!.GetValue<string>().ShouldBe("Interrupted");
        var counts = run["counts"]!.AsObject();
        Count(counts, "read").ShouldBeGreaterThanOrEqualTo(10_000);
        Count(counts, "read").ShouldBe(Count(counts, "succeeded") + Count(counts, "failed") + Count(counts, "ignored") + Count(counts, "incomplete"));
        run["systemError"]!["code"]!.GetValue<string>().ShouldBe("INTERRUPTED");
    }

    private long FinishedBatches()
    {
        if (!File.Exists(_cli.StateFile))
            return 0;
        try
        {
            using var connection = new SqliteConnection($"Data Source={_cli.StateFile};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM batches WHERE status <> 'Processing'";
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // the schema is not there yet
        }
    }

    private static long Count(JsonObject counts, string name) => counts[name]!.GetValue<long>();

    public void Dispose() => _cli.Dispose();
}
