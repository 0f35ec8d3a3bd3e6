using Resync.Testing.Http;

namespace Resync.Cli.Tests;

/// <summary>
/// Scenario 10 of the fault suite: the state store's disk fills up (a real tmpfs, filled to its last block while a run is
/// under way) or its file is read-only. The run stops with a system error naming the state file and the cause; the state
/// file is intact and holds the run as at its last commit (no half-written state), so that once space is back the
/// documented recovery reads again every record the run had not committed: every record in the target, the runs balanced.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xUnit disposes the CLI folder through IAsyncLifetime.DisposeAsync.")]
public sealed class StateDiskTests : IAsyncLifetime
{
    private const int Records = 600;
    private const int PageSize = 20;
    /// <summary>The page whose answer waits until the disk is full: the pages before it are in, the ones after it are not.</summary>
    private const int FullAtPage = 6;
    private readonly CliProcess _cli = new();
    private readonly TaskCompletionSource _atFullPage = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _full = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeApi _source = null!;

    public async Task InitializeAsync() =>
        _source = await FakeApi.StartAsync(async (context, request) =>
        {
            if (request.Parameter("page") == FullAtPage.ToString(System.Globalization.CultureInfo.InvariantCulture) && string.IsNullOrEmpty(request.Parameter("since")))
            {
                _atFullPage.TrySetResult();
                await _full.Task;
            }
            await ChangedContacts.AnswerAsync(context, request, Records, PageSize);
        });

    [Fact]
    public async Task DiskFullMidRun_SpaceFreedThenRecovered_StopsNamingTheStateFileAndLosesNothing()
    {
        using var disk = SmallDisk.Mount();
        var state = Path.Combine(disk.Path, "state.db");
        var target = Path.Combine(_cli.Folder, "target.db");
        var link = Link(CountedSqliteTable.Create(target));
        (await _cli.RunAsync("runs", "--db", state)).ExitCode.ShouldBe(0, "the state file is created while there is space");

        using (var run = _cli.Start("run", link, "--db", state))
        {
            var output = run.StandardOutput.ReadToEndAsync();
            var error = run.StandardError.ReadToEndAsync();
            await Task.WhenAny(_atFullPage.Task, run.WaitForExitAsync()).WaitAsync(TimeSpan.FromMinutes(2));
            disk.Fill();
            _full.SetResult();
            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var stderr = await error;
            run.ExitCode.ShouldBe(ExitCodes.Failed, $"stdout: {await output}\nstderr: {stderr}");
            stderr.ShouldContain("SQLITE_FULL");
            stderr.ShouldContain(state);
            stderr.ShouldContain("The disk is full: free space");
        }
        CountedSqliteTable.Integrity(state).ShouldBe("ok");

        // Still full: a command whose writes do not fit says so and stops. Writes may fit in the space the state file's log already
        // holds (the frames of the transaction the full disk cut are overwritten by the next): such a command goes on, and records
        // what it did like any other, so that the recovery below loses nothing either way.
        var stillFull = await _cli.RunAsync("incomplete", "retry", "--all", "--db", state);
        stillFull.ExitCode.ShouldBeOneOf(0, ExitCodes.Failed);
        if (stillFull.ExitCode != 0)
            stillFull.Error.ShouldContain("SQLITE_FULL");
        CountedSqliteTable.Integrity(state).ShouldBe("ok");

        disk.Free();
        await DocumentedRecovery.RecoverAsync(_cli, link, state);
        var runs = await DocumentedRecovery.RunsBalancedAsync(_cli, state);
        // The stopped run, closed by crash recovery at the next command: the batches whose results the full disk refused are incomplete.
        var cut = runs.MinBy(r => r!["id"]!.GetValue<long>())!;
        cut["counts"]!["read"]!.GetValue<long>().ShouldBeLessThan(Records, "the disk filled while the run was under way");
        // The retry while the disk was still full may have stopped the same way (SQLite reuses the space its log already has).
        var stopped = runs.Where(r => r!["systemError"]?["code"]?.GetValue<string>() == "INTERRUPTED").ToList();
        stopped.ShouldContain(cut, runs.ToJsonString());
        var cutRecords = stopped.Sum(r => r!["counts"]!["incomplete"]!.GetValue<long>());

        var written = CountedSqliteTable.Writes(target);
        written.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, Records).Select(ChangedContacts.Key), "every record in the target");
        // Written again: only the records of a batch whose start was committed but not its result (the target had them), once per
        // run so stopped, as after a crash.
        written.Values.ShouldAllBe(n => n <= 1 + stopped.Count);
        written.Values.Sum(n => n - 1).ShouldBeLessThanOrEqualTo((int)cutRecords, $"written again: {string.Join(", ", written.Where(pair => pair.Value > 1))}\n" +
            $"runs: {runs.ToJsonString()}\nbatches (run, number, cursor, status, read):\n{CountedSqliteTable.Rows(state, "SELECT run_id, number, cursor, status, read FROM batches ORDER BY run_id, number")}");
        (await DocumentedRecovery.WatermarkAsync(_cli, state, ChangedContacts.LinkName)).ShouldBe(ChangedContacts.Changed(Records - 1));
        CountedSqliteTable.Integrity(state).ShouldBe("ok");
    }

    [Fact]
    public async Task ReadOnlyStateFile_Run_StopsNamingTheFileAndRunsOnceWritableAgain()
    {
        // Root's writes ignore a file's mode: the commands run as another user when the tests run as root.
        if (Environment.UserName == "root")
            _cli.UserId = 65534;
        var target = Path.Combine(_cli.Folder, "target.db");
        var link = Link(CountedSqliteTable.Create(target));
        File.SetUnixFileMode(target, (UnixFileMode)0b110_110_110);
        (await _cli.RunAsync("runs", "--db", _cli.StateFile)).ExitCode.ShouldBe(0);
        File.SetUnixFileMode(_cli.StateFile, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        _full.SetResult();

        var refused = await _cli.RunAsync("run", link, "--db", _cli.StateFile);
        refused.ExitCode.ShouldBe(ExitCodes.Failed, refused.Out);
        refused.Error.ShouldContain("SQLITE_READONLY");
        refused.Error.ShouldContain(_cli.StateFile);
        refused.Error.ShouldContain("make it writable again");
        CountedSqliteTable.Writes(target).ShouldBeEmpty("nothing is written to a target while its run cannot be recorded");
        CountedSqliteTable.Integrity(_cli.StateFile).ShouldBe("ok");

        // SQLite made its -wal and -shm files beside it with the file's mode: they are made writable too.
        foreach (var file in Directory.GetFiles(_cli.Folder, "state.db*"))
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await DocumentedRecovery.RecoverAsync(_cli, link, _cli.StateFile);
        var runs = await DocumentedRecovery.RunsBalancedAsync(_cli, _cli.StateFile);
        runs.Count.ShouldBe(1, "the refused run was never opened");
        runs[0]!["counts"]!["succeeded"]!.GetValue<long>().ShouldBe(Records);
        var written = CountedSqliteTable.Writes(target);
        written.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(0, Records).Select(ChangedContacts.Key));
        written.Values.ShouldAllBe(n => n == 1);
        CountedSqliteTable.Integrity(_cli.StateFile).ShouldBe("ok");
    }

    private string Link(string target) => ChangedContacts.WritePullLink(_cli, _source.Url, target, PageSize, parallelism: 2);

    public async Task DisposeAsync()
    {
        _full.TrySetResult();
        await _source.DisposeAsync();
        _cli.Dispose();
    }
}
