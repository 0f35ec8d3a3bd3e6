using System.Data.Common;
using Dapper;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;

namespace Resync.Storage.Relational;

/// <summary>
/// What the SQLite and PostgreSQL state stores do alike, written once: the run queries, the batch writes and the recovery state.
/// A store says how it opens a connection to read, how it runs a write (<see cref="RelationalWrite"/>, which runs the hot
/// statements as commands SQLite keeps prepared) and how its SQL is spelled (<see cref="SqlDialect"/>); the record outcomes'
/// insert (SQLite prepares one row's, PostgreSQL unnests arrays) and migrations stay in the store, where they differ.
/// </summary>
public abstract partial class RelationalRunStore
{
    private protected RelationalRunStore(SqlDialect dialect, TimeProvider? clock)
    {
        Dialect = dialect;
        Clock = clock ?? TimeProvider.System;
        _selectBatchStatus = "SELECT status FROM batches WHERE run_id = @run AND number = @number" + dialect.RowLock;
    }

    private readonly string _selectBatchStatus;

    internal SqlDialect Dialect { get; }

    private protected TimeProvider Clock { get; }

    /// <summary>An open connection for reads; the caller disposes it. The server store (<see cref="RelationalServerStore"/>) reads through it too.</summary>
    internal abstract ValueTask<DbConnection> OpenReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs one write in its own transaction, durable before the task completes. The server store writes through it too, so that a
    /// push payload shares the commit (and, on SQLite, the one writer) of the runs' writes.
    /// </summary>
    internal abstract Task<T> WriteAsync<T>(Func<RelationalWrite, Task<T>> work, CancellationToken cancellationToken);

    /// <summary>
    /// Runs one write as <see cref="WriteAsync{T}"/> does, but a store whose writes share commits may hold it for later ones
    /// until <see cref="CommitHeldWrites"/> (<see cref="IRunStore.BatchStartedHeldAsync"/>); by default it is not held.
    /// </summary>
    internal virtual Task<T> WriteHeldAsync<T>(Func<RelationalWrite, Task<T>> work, CancellationToken cancellationToken) => WriteAsync(work, cancellationToken);

    /// <inheritdoc cref="IRunStore.CommitHeldWrites"/>
    public virtual void CommitHeldWrites()
    {
    }

    /// <inheritdoc cref="IRunStore.CommitHeldWritesWhenIdle"/>
    public virtual void CommitHeldWritesWhenIdle()
    {
    }

    /// <summary>
    /// Writes a batch's record outcomes in the write <paramref name="w"/>, replacing those of an earlier delivery or (<paramref name="replace"/>
    /// false) keeping them: the hottest write, in the store's fastest spelling (SQLite runs one prepared command per record,
    /// PostgreSQL unnests arrays in one statement).
    /// </summary>
    private protected abstract Task InsertOutcomesAsync(RelationalWrite w, long runId, int batchNumber, OutcomeRow[] outcomes, bool replace);

    /// <summary>Error groups (<see cref="ErrorGroupRow"/>) of the run <c>@runId</c>, each with its first record as the sample, largest first.</summary>
    private protected abstract string SelectErrorGroups { get; }

    public async Task<IReadOnlyList<long>> RecoverInterruptedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        IReadOnlyList<(long Id, string Owner)> running;
        await using (var connection = await OpenReadAsync(cancellationToken))
        {
            running = [.. await connection.QueryAsync<(long Id, string Owner)>(
                new CommandDefinition("SELECT id, owner FROM runs WHERE status = 'Running'", cancellationToken: cancellationToken))];
        }
        var dead = running.Where(run => RunOwner.IsDeadOnThisHost(run.Owner)).Select(run => run.Id).ToList();
        foreach (var runId in dead)
        {
            await WriteAsync(async w =>
            {
                // Another process starting at the same time may have recovered it since it was read: it is recovered (and parked) once.
                if (await w.ExecuteScalarAsync<string?>("SELECT status FROM runs WHERE id = @runId" + w.Dialect.RowLock, new { runId }) != nameof(RunStatus.Running))
                    return 0;
                var incomplete = await w.ExecuteScalarAsync<long>(
                    $"SELECT COALESCE(SUM(read), 0){w.Dialect.BigintCast} FROM batches WHERE run_id = @runId AND status = 'Processing'", new { runId });
                await w.ExecuteAsync("UPDATE batches SET status = 'Interrupted', ended_at = @now WHERE run_id = @runId AND status = 'Processing'",
                    new { runId, now = StoredTime.Text(now) });
                RunTransitions.Ensure(RunStatus.Running, RunStatus.Interrupted);
                var error = RunEventMessages.Interrupted(incomplete, now);
                await w.ExecuteAsync("""
                    UPDATE runs SET status = 'Interrupted', ended_at = @now, incomplete = incomplete + @incomplete, system_error = @error
                    WHERE id = @runId AND status = 'Running'
                    """, new { runId, now = StoredTime.Text(now), incomplete, error = StoredJson.Error(error) });
                await CarryWatermarkAsync(w, runId);
                await ParkCrashedAsync(w, runId, error, now);
                return 0;
            }, cancellationToken);
        }
        return dead;
    }

    /// <summary>
    /// A pull run whose process died moves its link's watermark past the batches that had committed, and keeps how far it had read
    /// for when its chain resolves (<see cref="CrashWatermark"/>): left behind, the next run would read and write them again.
    /// </summary>
    private static async Task CarryWatermarkAsync(RelationalWrite w, long runId)
    {
        var run = await w.QuerySingleAsync<(string LinkId, string Kind, string? Pending, string? Link)>($"""
            SELECT r.link_id, r.kind, r.pending_watermark, l.watermark FROM runs r JOIN links l ON l.id = r.link_id WHERE r.id = @runId{w.Dialect.RowLockOf("l")}
            """, new { runId });
        if (!Enum.Parse<RunKind>(run.Kind).IsPull())
            return;
        var batches = await w.QueryAsync<(long Number, string Status, string? Watermark)>(
            "SELECT number, status, watermark FROM batches WHERE run_id = @runId ORDER BY number", new { runId });
        var marks = batches.Select(b => ((int)b.Number, Enum.Parse<BatchStatus>(b.Status), b.Watermark)).ToList();
        if (CrashWatermark.Read(marks) is { } read && CrashWatermark.Advances(run.Pending, read))
            await w.ExecuteAsync("UPDATE runs SET pending_watermark = @read WHERE id = @runId", new { runId, read });
        if (CrashWatermark.Committed(marks) is { } committed && CrashWatermark.Advances(run.Link, committed))
            await w.ExecuteAsync("UPDATE links SET watermark = @committed WHERE id = @LinkId", new { run.LinkId, committed });
    }

    /// <summary>
    /// A pull run whose process died is given its incomplete run at once, so that one retry finishes it: the batches cut by
    /// the crash (Interrupted: fetched again by cursor) and the pages never read, after the last page the run had started (or,
    /// when a batch number is missing, after the last page before it: <see cref="CrashedPull"/>).
    /// A resume run that had read on past its parent's failures takes its parent's remainder over the same way
    /// (<see cref="CrashedResume"/>); one that had not leaves it with the parent. (Pushes are not parked: their records died with the process.)
    /// </summary>
    private static async Task ParkCrashedAsync(RelationalWrite w, long runId, ResyncError error, DateTimeOffset now)
    {
        var run = await w.QuerySingleAsync<(string LinkId, string Tenant, string Kind, long? ParentRunId, long? RootRunId)>(
            "SELECT link_id, tenant, kind, parent_run_id, root_run_id FROM runs WHERE id = @runId", new { runId });
        var kind = Enum.Parse<RunKind>(run.Kind);
        var attempts = 0;
        string? last;
        if (kind == RunKind.Resume && run.ParentRunId is { } parentRunId)
        {
            var taken = await w.QuerySingleOrDefaultAsync<(long Id, long Attempts)?>($"""
                SELECT id, attempts FROM incomplete_runs WHERE run_id = @parentRunId AND status IN ('Scheduled', 'Waiting') ORDER BY id DESC LIMIT 1{w.Dialect.RowLock}
                """, new { parentRunId });
            if (taken is not { } parked)
                return;
            var batches = (await w.QueryAsync<(long Number, string Status, string? Cursor, string? Watermark)>(
                    "SELECT number, status, cursor, watermark FROM batches WHERE run_id = @runId ORDER BY number", new { runId }))
                .Select(b => (Number: (int)b.Number, Status: Enum.Parse<BatchStatus>(b.Status), b.Cursor, b.Watermark)).ToList();
            var parentCursors = await w.QueryAsync<string?>("SELECT cursor FROM batches WHERE run_id = @parentRunId", new { parentRunId });
            last = CrashedResume.TakesOverAt(batches.Select(b => (b.Number, b.Status, b.Cursor)), parentCursors);
            if (last is null)
                return;
            attempts = (int)parked.Attempts + 1;
            await SetIncompleteAsync(w, parked.Id, parentRunId, IncompleteStatus.Resolved, attempts, null, runId, null, now);
            // The pages it read after its parent's last continue the root's read, as a resume that ended keeps them.
            if (CrashWatermark.Read(batches.Select(b => (b.Number, b.Status, b.Watermark))) is { } read)
                await w.ExecuteAsync(RecoveryStatements.SetPendingWatermark, new { runId = run.RootRunId ?? parentRunId, watermark = read });
        }
        else if (kind.IsPull())
        {
            // After the last batch before a missing number (CrashedPull): the page whose start never committed is read too.
            var batches = await w.QueryAsync<(long Number, string? Cursor)>("SELECT number, cursor FROM batches WHERE run_id = @runId ORDER BY number", new { runId });
            last = CrashedPull.ReadsOnAfter(batches.Select(b => ((int)b.Number, b.Cursor)));
        }
        else
            return;
        if (last is null)
            return;
        await ParkAsync(w, new IncompleteRunView(0, runId, run.LinkId, run.Tenant, IncompleteStatus.Waiting, error, last, attempts, null, now, null,
            RunEventMessages.Crashed, 0));
    }

    private const string EnsureLink = "INSERT INTO links (id, tenant) VALUES (@linkId, @tenant) ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant";

    public Task EnsureLinkAsync(string linkId, string tenant, CancellationToken cancellationToken) =>
        WriteAsync(w => w.ExecuteAsync(EnsureLink, new { linkId, tenant }), cancellationToken);

    public Task<long> CreateRunAsync(NewRun run, CancellationToken cancellationToken) =>
        WriteAsync(async w =>
        {
            await w.ExecuteHotAsync(EnsureLink, ("linkId", run.LinkId), ("tenant", run.Tenant));
            // The document of a version is kept once; the latest copy wins (a server re-encrypts it, with its current credentials).
            if (run.LinkVersion is { } version)
            {
                await w.ExecuteHotAsync("""
                    INSERT INTO link_versions (link_id, hash, document, first_used_at) VALUES (@LinkId, @Hash, @Document, @StartedAt)
                    ON CONFLICT (link_id, hash) DO UPDATE SET document = excluded.document
                    """, ("LinkId", run.LinkId), ("Hash", version.Hash), ("Document", version.Document), ("StartedAt", StoredTime.Text(run.StartedAt)));
            }
            var runId = await w.ExecuteHotScalarAsync<long>("""
                INSERT INTO runs (link_id, tenant, kind, status, trigger, parent_run_id, request_id, owner, started_at, root_run_id, carries_all, link_version)
                VALUES (@LinkId, @Tenant, @Kind, 'Running', @Trigger, @ParentRunId, @RequestId, @Owner, @StartedAt,
                        (SELECT COALESCE(root_run_id, id) FROM runs WHERE id = @ParentRunId), @CarriesAll, @Version)
                RETURNING id
                """, ("LinkId", run.LinkId), ("Tenant", run.Tenant), ("Kind", run.Kind.ToString()), ("Trigger", run.Trigger), ("ParentRunId", run.ParentRunId),
                ("RequestId", run.RequestId), ("Owner", run.Owner), ("StartedAt", StoredTime.Text(run.StartedAt)), ("CarriesAll", run.CarriesAllFailures ? 1L : 0L),
                ("Version", run.LinkVersion?.Hash));
            if (run.FirstBatch is { } first)
                await StartBatchAsync(w, runId, 1, first.Cursor, first.RecordCount, first.Watermark, StoredTime.Text(run.StartedAt));
            return runId;
        }, cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, DateTimeOffset startedAt, CancellationToken cancellationToken) =>
        BatchStartedAsync(runId, batchNumber, cursor, recordCount, null, startedAt, cancellationToken);

    public Task BatchStartedAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var startedText = StoredTime.Text(startedAt);
        return WriteAsync(w => StartBatchAsync(w, runId, batchNumber, cursor, recordCount, watermark, startedText), cancellationToken);
    }

    private static async Task<int> StartBatchAsync(RelationalWrite w, long runId, int batchNumber, string? cursor, int recordCount, string? watermark, string startedText)
    {
        (string, object?) run = ("run", runId), number = ("number", (long)batchNumber), read = ("read", (long)recordCount);
        var inserted = await w.ExecuteHotAsync("""
            INSERT INTO batches (run_id, number, cursor, status, read, started_at, watermark)
            VALUES (@run, @number, @cursor, 'Processing', @read, @startedAt, @watermark)
            ON CONFLICT (run_id, number) DO NOTHING
            """, run, number, ("cursor", cursor), read, ("startedAt", startedText), ("watermark", watermark));
        // A batch delivered twice (cluster redelivery) is counted once.
        if (inserted == 1)
        {
            await w.ExecuteHotAsync("UPDATE runs SET read = read + @read, batches_total = batches_total + 1 WHERE id = @run", run, read);
        }
        else if (recordCount > 0 && await w.ExecuteHotAsync(
            "UPDATE batches SET read = @read, watermark = @watermark WHERE run_id = @run AND number = @number AND status = 'Processing' AND read = 0",
            run, number, read, ("watermark", watermark)) == 1)
        {
            // A page noted while it was still coming (with no records) has arrived: its records count now.
            await w.ExecuteHotAsync("UPDATE runs SET read = read + @read WHERE id = @run", run, read);
        }
        return inserted;
    }

    public Task BatchFinishedAsync(BatchResult result, CancellationToken cancellationToken) => WriteAsync(FinishBatch(result), cancellationToken);

    public Task BatchStartedHeldAsync(long runId, int batchNumber, string? cursor, int recordCount, string? watermark, DateTimeOffset startedAt,
        CancellationToken cancellationToken)
    {
        var startedText = StoredTime.Text(startedAt);
        return WriteHeldAsync(w => StartBatchAsync(w, runId, batchNumber, cursor, recordCount, watermark, startedText), cancellationToken);
    }

    public Task BatchFinishedHeldAsync(BatchResult result, CancellationToken cancellationToken) => WriteHeldAsync(FinishBatch(result), cancellationToken);

    public Task RunFinishedWithLastBatchAsync(BatchResult lastBatch, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt,
        CancellationToken cancellationToken)
    {
        RunTransitions.Ensure(RunStatus.Running, status);
        var finish = FinishBatch(lastBatch);
        return WriteAsync(async w =>
        {
            await finish(w);
            return await EndRunAsync(w, lastBatch.RunId, status, systemError, newWatermark, endedAt);
        }, cancellationToken);
    }

    /// <summary>
    /// The write that stores a batch's result and adds its counts to the run. Its values are serialised here, on the caller's
    /// thread, so that the write (on SQLite, the single writer) spends its time writing.
    /// </summary>
    private Func<RelationalWrite, Task<int>> FinishBatch(BatchResult result)
    {
        var error = StoredJson.Error(result.Error);
        var endedAt = StoredTime.Text(result.EndedAt);
        var outcomes = OutcomeRow.From(result.Outcomes);
        (string, object?) run = ("run", result.RunId), succeeded = ("succeeded", (long)result.Succeeded), failed = ("failed", (long)result.Failed),
            ignored = ("ignored", (long)result.Ignored), warnings = ("warnings", (long)result.Warnings);
        return async w =>
        {
            // The row lock makes two deliveries of one batch finishing at once take turns (PostgreSQL): the second sees it finished.
            var current = await w.ExecuteHotScalarAsync<string>(_selectBatchStatus, run, ("number", (long)result.BatchNumber));
            if (current is not null && Enum.Parse<BatchStatus>(current) != BatchStatus.Processing)
                return 0; // already finished: a repeated delivery changes nothing.
            if (current is not null)
                BatchTransitions.Ensure(BatchStatus.Processing, result.Status);

            await w.ExecuteHotAsync("""
                INSERT INTO batches (run_id, number, cursor, status, read, succeeded, failed, ignored, warnings, error, started_at, ended_at, watermark)
                VALUES (@run, @number, @cursor, @status, @read, @succeeded, @failed, @ignored, @warnings, @error, @endedAt, @endedAt, @watermark)
                ON CONFLICT (run_id, number) DO UPDATE SET status = excluded.status, succeeded = excluded.succeeded, failed = excluded.failed,
                    ignored = excluded.ignored, warnings = excluded.warnings, error = excluded.error, ended_at = excluded.ended_at,
                    watermark = COALESCE(excluded.watermark, batches.watermark)
                """, run, ("number", (long)result.BatchNumber), ("cursor", result.Cursor), ("status", result.Status.ToString()), ("read", (long)result.Read),
                succeeded, failed, ignored, warnings, ("error", error), ("endedAt", endedAt), ("watermark", result.Watermark));
            var newBatch = current is null;
            await w.ExecuteHotAsync("""
                UPDATE runs SET succeeded = succeeded + @succeeded, failed = failed + @failed, ignored = ignored + @ignored,
                    warnings = warnings + @warnings, batches_failed = batches_failed + @batchFailed, incomplete = incomplete + @incomplete,
                    read = read + @newRead, batches_total = batches_total + @newBatch
                WHERE id = @run
                """, run, succeeded, failed, ignored, warnings, ("batchFailed", result.Status == BatchStatus.Failed ? 1L : 0L),
                ("incomplete", (long)result.Incomplete), ("newRead", newBatch ? (long)result.Read : 0L), ("newBatch", newBatch ? 1L : 0L));
            await InsertOutcomesAsync(w, result.RunId, result.BatchNumber, outcomes, replace: true);
            return 1;
        };
    }

    public Task KeepInterruptedRecordsAsync(long runId, int batchNumber, IReadOnlyList<RecordOutcome> records, CancellationToken cancellationToken)
    {
        var rows = OutcomeRow.From(records);
        return WriteAsync(async w =>
        {
            await EnsureInterruptedAsync(w, runId, batchNumber);
            await InsertOutcomesAsync(w, runId, batchNumber, rows, replace: false);
            return 0;
        }, cancellationToken);
    }

    public async Task RunFinishedAsync(long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt, CancellationToken cancellationToken)
    {
        RunTransitions.Ensure(RunStatus.Running, status);
        await WriteAsync(w => EndRunAsync(w, runId, status, systemError, newWatermark, endedAt), cancellationToken);
    }

    private static async Task<int> EndRunAsync(RelationalWrite w, long runId, RunStatus status, ResyncError? systemError, string? newWatermark, DateTimeOffset endedAt)
    {
        var updated = await w.ExecuteHotAsync("""
            UPDATE runs SET status = @status, system_error = COALESCE(@error, system_error), ended_at = @endedAt
            WHERE id = @runId AND status = 'Running'
            """, ("runId", runId), ("status", status.ToString()), ("error", StoredJson.Error(systemError)), ("endedAt", StoredTime.Text(endedAt)));
        if (updated != 1)
            throw new InvalidTransitionException("run", "(not Running)", status.ToString());
        if (newWatermark is not null)
            await w.ExecuteHotAsync("UPDATE links SET watermark = @newWatermark WHERE id = (SELECT link_id FROM runs WHERE id = @runId)", ("runId", runId), ("newWatermark", newWatermark));
        return updated;
    }

    public async Task<string?> GetWatermarkAsync(string linkId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await RunReads.GetWatermarkAsync(connection, linkId, cancellationToken);
    }

    public async Task<RunView?> GetRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await RunReads.GetRunAsync(connection, runId, cancellationToken);
    }

    public async Task<IReadOnlyList<RunView>> ListRunsAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        var text = Dialect.TextCast;
        await using var connection = await OpenReadAsync(cancellationToken);
        var rows = await connection.QueryAsync<RunRow>(new CommandDefinition($"""
            {RunStatements.SelectRuns}
            WHERE (@LinkId{text} IS NULL OR link_id = @LinkId) AND (@Tenant{text} IS NULL OR tenant = @Tenant) AND (@Status{text} IS NULL OR status = @Status)
              AND (@Kind{text} IS NULL OR kind = @Kind) AND (@From{text} IS NULL OR started_at >= @From) AND (@Before{text} IS NULL OR started_at < @Before)
            ORDER BY id DESC LIMIT @Limit OFFSET @Offset
            """, new { filter.LinkId, filter.Tenant, Status = filter.Status?.ToString(), Kind = filter.Kind?.ToString(),
                From = StoredTime.OptionalText(filter.StartedFrom), Before = StoredTime.OptionalText(filter.StartedBefore), Limit = (long)filter.Limit, Offset = (long)filter.Offset },
            cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView([]))];
    }

    public async Task<IReadOnlyList<BatchView>> ListBatchesAsync(long runId, int offset, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await RunReads.ListBatchesAsync(connection, runId, offset, limit, cancellationToken);
    }

    public async Task<BatchView?> GetBatchAsync(long runId, int number, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await RunReads.GetBatchAsync(connection, runId, number, cancellationToken);
    }

    public async Task<IReadOnlyList<ErrorGroupView>> ListErrorGroupsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        var rows = await connection.QueryAsync<ErrorGroupRow>(new CommandDefinition(SelectErrorGroups, new { runId }, cancellationToken: cancellationToken));
        return [.. rows.Select(row => row.ToView())];
    }

    public async Task<IReadOnlyList<RecordView>> ListRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await RunReads.ListRecordsAsync(connection, runId, filter, InOutcomes, cancellationToken);
    }

    public async Task<int> CountRecordsAsync(long runId, RecordFilter filter, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        return await RunReads.CountRecordsAsync(connection, runId, filter, InOutcomes, cancellationToken);
    }

    private string InOutcomes => Dialect.InList("outcome", "@Outcomes");
}
