using Microsoft.Data.Sqlite;

namespace Resync.Cli.Tests;

public sealed class RecoveryCommandTests : IDisposable
{
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task Retry_OfTheDemoRun_FetchesTheFailedPageAgain_AndResendsOnlyTheFailedRecords()
    {
        var demo = await _cli.RunJsonAsync(1, "demo", "--db", _cli.StateFile);
        var failed = demo["counts"]!["failed"]!.GetValue<long>();

        var retry = await _cli.RunJsonAsync(1, "retry", "1", "--db", _cli.StateFile);

        retry["kind"]!.GetValue<string>().ShouldBe("Retry");
        retry["parentRunId"]!.GetValue<long>().ShouldBe(1);
        retry["rootRunId"]!.GetValue<long>().ShouldBe(1);
        // The page that failed (100 records) plus the records that failed, nothing else.
        retry["counts"]!["read"]!.GetValue<long>().ShouldBe(100 + failed);
        retry["counts"]!["batchesFailed"]!.GetValue<long>().ShouldBe(0);
        var root = await _cli.RunJsonAsync(1, "show", "1", "--db", _cli.StateFile);
        root["children"]!.AsArray().Single()!.GetValue<long>().ShouldBe(retry["id"]!.GetValue<long>());
    }

    [Fact]
    public async Task Retry_OfARunWithoutFailures_ExplainsThereIsNothingToRetry()
    {
        await _cli.RunDemoLinkAsync(0, "clean", records: 40, failingPage: 0);

        var error = await _cli.RunFailingAsync(64, "retry", "1", "--db", _cli.StateFile);

        error.ShouldContain("Run 1 has no failures to retry.");
    }

    [Fact]
    public async Task Retry_OfARunWhoseChainResolved_ExitsWithUsage_NamingTheRunThatResolvedIt_UnlessForced()
    {
        // 40 demo records without a bad one; its only page fails once (the outage passes for the retry).
        await _cli.RunDemoLinkAsync(1, "outage", records: 40, failingPage: 1);
        (await _cli.RunJsonAsync(0, "retry", "1", "--db", _cli.StateFile))["id"]!.GetValue<long>().ShouldBe(2);

        var error = await _cli.RunFailingAsync(64, "retry", "1", "--db", _cli.StateFile);

        error.ShouldContain("Run 1 is resolved already: run 2 resolved every failure");
        error.ShouldContain("--force");
        var forced = await _cli.RunJsonAsync(0, "retry", "1", "--force", "--db", _cli.StateFile);
        forced["counts"]!["read"]!.GetValue<long>().ShouldBe(40);
    }

    [Fact]
    public async Task SequentialProcessing_WritesNothingAfterTheFailedRecord_AndTheResumeWritesTheRestInSourceOrder()
    {
        // Record 7 has a field the CSV target has no column for: it fails alone, and with sequential processing the run stops at it.
        _cli.Write("in.jsonl", string.Concat(Enumerable.Range(1, 23).Select(i => i == 7 ? "{\"id\":7,\"name\":\"n7\",\"extra\":\"x\"}\n" : $"{{\"id\":{i},\"name\":\"n{i}\"}}\n")));
        var link = _cli.Write("ordered.yaml", """
            name: ordered-files
            source: { type: jsonl, path: in.jsonl, keyField: id }
            target: { type: csv, path: out.csv }
            settings: { batchSize: 5, sequentialProcessing: true }
            """);
        var run = await _cli.RunJsonAsync(2, "run", link, "--db", _cli.StateFile);
        run["systemError"]!["code"]!.GetValue<string>().ShouldBe("SEQUENTIAL_STOP");
        Ids().ShouldBe([1, 2, 3, 4, 5, 6], "nothing after the failed record is written");

        var shown = await _cli.RunJsonAsync(0, "incomplete", "show", "1", "--db", _cli.StateFile);
        var failed = TheFailedRecord(shown["records"]!["items"]!.AsArray());
        failed["key"]!.GetValue<string>().ShouldBe("7");
        await EditIncompleteRecordAsync(failed, "--unset", "extra");
        var resumed = await _cli.RunJsonAsync(0, "incomplete", "retry", "1", "--db", _cli.StateFile);

        resumed["status"]!.GetValue<string>().ShouldBe("Succeeded");
        Ids().ShouldBe(Enumerable.Range(1, 23), "in source order, none twice, none lost");
    }

    private static JsonNode TheFailedRecord(JsonArray records) => records.Single(r => r!["outcome"]!.GetValue<string>() == "Failed")!;

    /// <summary>Edits <paramref name="record"/> of incomplete run 1 as <paramref name="change"/> says (<c>--set</c>, <c>--unset</c>).</summary>
    private async Task EditIncompleteRecordAsync(JsonNode record, params string[] change)
    {
        var (exit, _, error) = await _cli.RunAsync(["incomplete", "edit", "1", "--batch", record["batch"]!.ToString(), "--position", record["position"]!.ToString(),
            .. change, "--db", _cli.StateFile]);
        exit.ShouldBe(0, error);
    }

    private List<int> Ids() => [.. File.ReadAllLines(Path.Combine(_cli.Folder, "out.csv")).Skip(1).Select(line => int.Parse(line.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture))];

    [Theory]
    [InlineData(2)]
    [InlineData(15)]
    [InlineData(60)]
    public async Task RunKilledWithSigkill_GetsItsIncompleteRun_AndOneRetryWritesEveryRow(int finishedBatchesBeforeKill)
    {
        // Regression: kill -9 left no incomplete run, and the pages never read were lost without a word.
        const int total = 200_000;
        _cli.Write("in.jsonl", string.Concat(Enumerable.Range(1, total).Select(i => $"{{\"id\":{i},\"name\":\"n{i}\"}}\n")));
        var targetPath = Path.Combine(_cli.Folder, "out.db");
        using (var connection = new SqliteConnection($"Data Source={targetPath};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)";
            create.ExecuteNonQuery();
        }
        var link = _cli.Write("killed.yaml", """
            name: killed
            source: { type: jsonl, path: in.jsonl, keyField: id }
            target: { type: sqlite, path: out.db, table: people, mode: upsert, key: id }
            settings: { batchSize: 500 }
            """);
        await KillAfterAsync(1, finishedBatchesBeforeKill, "run", link, "--db", _cli.StateFile);

        var parked = (await _cli.RunJsonAsync(0, "incomplete", "list", "--db", _cli.StateFile))["items"]!.AsArray().Single()!;
        parked["runId"]!.GetValue<long>().ShouldBe(1);
        parked["hasUnreadPages"]!.GetValue<bool>().ShouldBeTrue();
        Scalar(targetPath, "SELECT COUNT(*) FROM people").ShouldBeLessThan(total, "the run was killed before the end");
        var (retryExit, _, retryError) = await _cli.RunAsync("retry", "1", "--db", _cli.StateFile);
        retryExit.ShouldBe(64, "Retry Failures would not read the pages never read");
        retryError.ShouldContain($"is incomplete run {parked["id"]}");

        var resumed = await _cli.RunJsonAsync(0, "incomplete", "retry", parked["id"]!.ToString(), "--db", _cli.StateFile);

        resumed["status"]!.GetValue<string>().ShouldBe("Succeeded");
        Scalar(targetPath, "SELECT COUNT(*) FROM people").ShouldBe(total);
        Scalar(targetPath, "SELECT SUM(id) FROM people").ShouldBe((long)total * (total + 1) / 2, "every expected row");
        (await _cli.RunJsonAsync(0, "show", "1", "--db", _cli.StateFile))["status"]!.GetValue<string>().ShouldBe("Succeeded");
    }

    [Fact]
    public async Task ResumeKilledAfterItReadOn_TakesTheRemainderOver_AndTheNextRetryWritesNoPageItHadCommitted()
    {
        // Regression: the resume of a killed run was killed in turn; the next retry started again from the first run's last page and
        // wrote a second time every page the killed resume had committed.
        const int total = 200_000;
        _cli.Write("in.jsonl", string.Concat(Enumerable.Range(1, total).Select(i => $"{{\"id\":\"c-{i:D6}\",\"n\":{i}}}\n")));
        var target = Path.Combine(_cli.Folder, "target.db");
        var link = _cli.Write("killed.yaml", $$"""
            name: killed
            source: { type: jsonl, path: in.jsonl, keyField: id }
            target: {{CountedSqliteTable.Create(target)}}
            settings: { batchSize: 500 }
            """);
        await KillAfterAsync(1, 10, "run", link, "--db", _cli.StateFile);
        await KillAfterAsync(2, 30, "incomplete", "retry", "--all", "--db", _cli.StateFile);

        // The resume had read on past the first run's last page: its own remainder replaced the first run's.
        var parked = (await _cli.RunJsonAsync(0, "incomplete", "list", "--db", _cli.StateFile))["items"]!.AsArray().Single()!;
        parked["runId"]!.GetValue<long>().ShouldBe(2);
        await DocumentedRecovery.ResumeAllAsync(_cli, _cli.StateFile);

        var runs = await DocumentedRecovery.RunsBalancedAsync(_cli, _cli.StateFile);
        var cutRecords = runs.Where(r => r!["systemError"]?["code"]?.GetValue<string>() == "INTERRUPTED").Sum(r => r!["counts"]!["incomplete"]!.GetValue<long>());
        var written = CountedSqliteTable.Writes(target);
        written.Count.ShouldBe(total, "every record in the target");
        // Written again at most: the records of the batches each kill cut (unless the target's batch ledger knew them written).
        written.Values.Sum(n => n - 1).ShouldBeLessThanOrEqualTo((int)cutRecords);
    }

    /// <summary>Starts the CLI with <paramref name="args"/> and kills it (SIGKILL) once run <paramref name="runId"/> has <paramref name="finishedBatches"/> batches finished.</summary>
    private async Task KillAfterAsync(long runId, int finishedBatches, params string[] args)
    {
        using var process = _cli.Start(args);
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (Scalar(_cli.StateFile, $"SELECT COUNT(*) FROM batches WHERE run_id = {runId} AND status <> 'Processing'") < finishedBatches)
        {
            process.HasExited.ShouldBeFalse("the run ended before it could be killed");
            await Task.Delay(20, safetyNet.Token);
        }
        process.Kill(); // SIGKILL: no chance to clean up.
        await process.WaitForExitAsync(safetyNet.Token);
    }

    private static long Scalar(string database, string sql)
    {
        if (!File.Exists(database))
            return 0;
        try
        {
            using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return command.ExecuteScalar() is long value ? value : 0;
        }
        catch (SqliteException)
        {
            return 0; // the schema is not there yet
        }
    }

    [Fact]
    public async Task IncompleteRun_IsListedShownEditedRetriedAndDiscarded_FromTheCommandLine()
    {
        // Sequential processing: the first failed record (c-00053, phone too long for the table) stops the run.
        var run = await RunOrderedDemoAsync();
        run["systemError"]!["code"]!.GetValue<string>().ShouldBe("SEQUENTIAL_STOP");

        var listed = await _cli.RunJsonAsync(0, "incomplete", "list", "--db", _cli.StateFile);
        var item = listed["items"]!.AsArray().Single()!;
        item["status"]!.GetValue<string>().ShouldBe("Waiting");
        var shown = await _cli.RunJsonAsync(0, "incomplete", "show", "1", "--db", _cli.StateFile);
        var records = shown["records"]!["items"]!.AsArray();
        records.Where(r => r!["outcome"]!.GetValue<string>() == "Incomplete").ShouldAllBe(r => r!["values"] != null, "records the run never got to keep their values");
        var record = TheFailedRecord(records);
        record["key"]!.GetValue<string>().ShouldBe("c-00053");

        await EditIncompleteRecordAsync(record, "--set", "phone=+1 555 0053");
        var resumed = await _cli.RunJsonAsync(2, "incomplete", "retry", "1", "--db", _cli.StateFile);

        // The edited record is written; processing goes on in order and stops at the next bad record, c-00106.
        resumed["kind"]!.GetValue<string>().ShouldBe("Resume");
        PhoneOf("c-00053").ShouldBe("+1 555 0053");
        PhoneOf("c-00105").ShouldNotBeNull();
        PhoneOf("c-00106").ShouldBeNull();
        resumed["systemError"]!["message"]!.GetValue<string>().ShouldContain("c-00106");
        var open = (await _cli.RunJsonAsync(0, "incomplete", "list", "--db", _cli.StateFile))["items"]!.AsArray().Single()!;
        open["runId"]!.GetValue<long>().ShouldBe(resumed["id"]!.GetValue<long>());

        // This time the person discards the remainder; the run's history says so.
        var (discardExit, _, _) = await _cli.RunAsync("incomplete", "discard", open["id"]!.ToString(), "--reason", "fixed at the source", "--db", _cli.StateFile);
        discardExit.ShouldBe(0);
        var history = (await _cli.RunJsonAsync(2, "show", resumed["id"]!.ToString(), "--db", _cli.StateFile))["history"]!.AsArray();
        history.ShouldContain(e => e!["message"]!.GetValue<string>().Contains("discarded: fixed at the source", StringComparison.Ordinal));
        (await _cli.RunJsonAsync(0, "incomplete", "list", "--db", _cli.StateFile))["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task IncompleteShow_OfMoreRecordsThanOnePage_PagesWithOffsetAndLimit_AndSaysTheTotal()
    {
        // Sequential processing stops at c-00053: the remainder keeps it and the 47 records after it that were read (the rest of
        // its batch and the two batches queued behind it).
        await RunOrderedDemoAsync();

        var page = await _cli.RunJsonAsync(0, "incomplete", "show", "1", "--offset", "5", "--limit", "10", "--db", _cli.StateFile);
        page["totalRecords"]!.GetValue<int>().ShouldBe(48);
        page["records"]!["items"]!.AsArray().Select(r => r!["key"]!.GetValue<string>()).ShouldBe([.. Enumerable.Range(58, 10).Select(n => $"c-{n:00000}")]);
        var (exit, output, error) = await _cli.RunAsync("incomplete", "show", "1", "--offset", "5", "--limit", "10", "--db", _cli.StateFile);
        exit.ShouldBe(0, error);
        output.ShouldContain("48 failed or unprocessed record(s) in it");
        output.ShouldContain("6–15 of 48 records shown — use --limit/--offset for more.");
        var (lastExit, last, _) = await _cli.RunAsync("incomplete", "show", "1", "--offset", "40", "--limit", "10", "--db", _cli.StateFile);
        lastExit.ShouldBe(0);
        last.ShouldContain("41–48 of 48 records shown.");

        var (badExit, _, badError) = await _cli.RunAsync("incomplete", "show", "1", "--offset", "-1", "--db", _cli.StateFile);
        badExit.ShouldBe(64);
        badError.ShouldContain("--offset takes a whole number of at least 0; found '-1'.");
    }

    [Fact]
    public async Task Edit_OfAFailedRecord_ThenRetry_WritesTheEditedValue_AndARecordThatDidNotFailIsRefused()
    {
        // c-00053 and c-00106 fail (phone too long for the table); loggingLevel all keeps the records that succeeded too.
        await _cli.RunDemoLinkAsync(1, "repair", records: 120, failingPage: 0, settings: "{ batchSize: 20, loggingLevel: all }", targetFile: "ordered.db");
        var failed = (await _cli.RunJsonAsync(1, "show", "1", "--records", "failed", "--db", _cli.StateFile))["records"]!.AsArray()
            .Single(r => r!["key"]!.GetValue<string>() == "c-00053")!;

        var edited = await _cli.RunJsonAsync(0, "edit", "1", "--batch", failed["batch"]!.ToString(), "--position", failed["position"]!.ToString(),
            "--set", "phone=+1 555 0053", "--db", _cli.StateFile);
        edited["values"]!["phone"]!.GetValue<string>().ShouldBe("+1 555 0053");
        var (refusedExit, _, refused) = await _cli.RunAsync("edit", "1", "--batch", "1", "--position", "0", "--set", "phone=x", "--db", _cli.StateFile);
        refusedExit.ShouldBe(64);
        refused.ShouldContain("The record at batch 1, position 0 of run 1 did not fail (it is Succeeded)");
        PhoneOf("c-00053").ShouldBeNull();

        var retry = await _cli.RunJsonAsync(1, "retry", "1", "--db", _cli.StateFile);
        retry["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(1, "the edited record; c-00106 still fails");
        PhoneOf("c-00053").ShouldBe("+1 555 0053");
        PhoneOf("c-00001").ShouldNotBeNull();
        (await _cli.RunJsonAsync(1, "show", "1", "--db", _cli.StateFile))["history"]!.AsArray()
            .ShouldContain(e => e!["message"]!.GetValue<string>().Contains("c-00053 (batch 3, position 12) edited by hand", StringComparison.Ordinal));
    }

    /// <summary>120 demo contacts into a SQLite table with sequential processing: the first failed record, c-00053, stops the run.</summary>
    private Task<JsonObject> RunOrderedDemoAsync()
    {
        return _cli.RunJsonAsync(2, "run", _cli.Write("ordered.yaml", JsonOutputTests.SequentialLink), "--db", _cli.StateFile);
    }

    private string? PhoneOf(string id)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_cli.Folder, "ordered.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT phone FROM contacts WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteScalar() as string;
    }

    public void Dispose() => _cli.Dispose();
}
