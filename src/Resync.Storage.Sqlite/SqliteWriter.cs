using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Storage.Sqlite;

/// <summary>
/// The store's single writer: it takes every write queued since its last commit and commits them in one
/// transaction (group commit); when one of them fails, they are run again each inside its own savepoint, so that
/// one failing write does not undo the others.
/// Parallel batches thus share one fsync instead of paying one each. A caller's task completes only after
/// its write is durable. A write may also be held (<see cref="ExecuteAsync{T}"/>'s <c>held</c>): while every write waiting is
/// held, the writer waits for more, up to <see cref="MaxHold"/> or until <see cref="CommitHeld"/> asks, so that a run's batch
/// starts and results share commits (a run asks for a start once its batch is about to be written). When the disk fails a write (full, read-only, an I/O error) the whole commit is rolled back and the
/// writer stops: every later write fails with the same error (<see cref="StateStoreStopped"/>).
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxWritesPerCommit = 256;

    /// <summary>How many held writes wait together before they are committed unasked.</summary>
    private const int MaxHeldWrites = 64;

    // Asks the loop to commit what it holds (queued as a write, so that it comes after every write queued before it).
    private static readonly Write CommitHeldMarker = new Write<int>((_, _) => 0);
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly Task _loop;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);
    private ResyncException? _stopped;

    // True from a commit's start until its writes are done, before any caller resumes (see CommitHeldWhenIdle).
    private volatile bool _committing;

    /// <param name="maxHold">How long a held write may wait for others before it is committed unasked.</param>
    public SqliteWriter(SqliteConnection connection, TimeSpan? maxHold = null)
    {
        _connection = connection;
        MaxHold = maxHold ?? TimeSpan.FromMilliseconds(50);
        // (Task.Wait takes at most int.MaxValue milliseconds: a longer hold would stop the writer.)
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHold, TimeSpan.Zero, nameof(maxHold));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxHold, TimeSpan.FromDays(1), nameof(maxHold));
        _loop = Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The disk failure after which this writer writes nothing more (null: none).</summary>
    public ResyncException? Stopped => Volatile.Read(ref _stopped);

    /// <summary>How long a held write waits at most for others before it is committed unasked.</summary>
    public TimeSpan MaxHold { get; }

    /// <summary>
    /// Queues a write; its task completes once it is durable. A <paramref name="held"/> write may wait for later writes to
    /// share their commit: up to <see cref="MaxHold"/>, until a write that is not held comes, or until <see cref="CommitHeld"/>.
    /// </summary>
    public Task<T> ExecuteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken, bool held = false)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Stopped is { } stopped)
            return Task.FromException<T>(stopped);
        var write = new Write<T>(work) { Held = held };
        if (!_queue.Writer.TryWrite(write))
            throw new ObjectDisposedException(nameof(SqliteWriter));
        return write.Completion.Task;
    }

    /// <summary>Commits the held writes queued so far without waiting for more; those queued after may wait again. Nothing when none is held.</summary>
    public void CommitHeld() => _queue.Writer.TryWrite(CommitHeldMarker);

    /// <summary>
    /// Commits the held writes as <see cref="CommitHeld"/> does, but only while no commit is under way: held writes then share
    /// the next commit with whatever comes, instead of costing a commit of their own right after a busy one.
    /// </summary>
    public void CommitHeldWhenIdle()
    {
        if (!_committing)
            CommitHeld();
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        foreach (var command in _prepared.Values)
            await command.DisposeAsync();
        _prepared.Clear();
        foreach (var statement in _statements.Values)
            statement.Dispose();
        _statements.Clear();
        await _connection.DisposeAsync();
    }

    /// <summary>
    /// A command for <paramref name="sql"/> that stays prepared across writes (the hot writes run thousands of times a
    /// run; re-preparing them each time cost more than running them). Only for use inside a write, on the writer's thread.
    /// </summary>
    public SqliteCommand Prepared(string sql, SqliteTransaction transaction)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _connection.CreateCommand();
            command.CommandText = sql;
            _prepared[sql] = command;
        }
        command.Transaction = transaction;
        return command;
    }

    /// <summary>The <see cref="SqliteStatement"/> for <paramref name="sql"/>, kept prepared across writes. Only for use inside a write.</summary>
    public SqliteStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteStatement(_connection, sql);
            _statements[sql] = statement;
        }
        return statement;
    }

    private void Loop()
    {
        var pending = new List<Write>(MaxWritesPerCommit);
        Task<bool>? more = null;
        var open = true;
        long holdingSince = 0;
        while (open || pending.Count > 0)
        {
            if (pending.Count == 0)
            {
                more ??= _queue.Reader.WaitToReadAsync().AsTask();
                WaitWithoutSpinning(more, Timeout.InfiniteTimeSpan);
                open = Done(ref more);
            }
            var asked = false;
            while (pending.Count < MaxWritesPerCommit && _queue.Reader.TryRead(out var write))
            {
                if (ReferenceEquals(write, CommitHeldMarker))
                {
                    // Asked for what was queued before it: what comes after may wait again.
                    asked = true;
                    break;
                }
                pending.Add(write);
            }
            if (pending.Count == 0)
                continue;
            if (open && !asked && pending.Count < MaxHeldWrites && pending.TrueForAll(write => write.Held))
            {
                // Every write waiting may wait: for another write, for a caller to ask, or until the hold is over.
                if (holdingSince == 0)
                    holdingSince = Environment.TickCount64;
                var left = MaxHold - TimeSpan.FromMilliseconds(Environment.TickCount64 - holdingSince);
                if (left > TimeSpan.Zero)
                {
                    more ??= _queue.Reader.WaitToReadAsync().AsTask();
                    if (WaitWithoutSpinning(more, left))
                    {
                        open = Done(ref more);
                        continue;
                    }
                }
            }
            Commit(pending);
            pending.Clear();
            holdingSince = 0;
        }
    }

    /// <summary>
    /// Blocks the writer's thread until <paramref name="arrival"/> completes or <paramref name="timeout"/> passes; true if it
    /// completed. Task.Wait spins (yielding the core again and again) before it blocks: that spinning took about a tenth of this
    /// thread's CPU between the commits of a run (pipeline benchmark), for a wake-up a few microseconds sooner.
    /// </summary>
    private static bool WaitWithoutSpinning(Task<bool> arrival, TimeSpan timeout) =>
        arrival.IsCompleted || ((IAsyncResult)arrival).AsyncWaitHandle.WaitOne(timeout);

    /// <summary>The result of a completed wait for writes (false: the queue is closed), its task disposed with its wait handle.</summary>
    private static bool Done(ref Task<bool>? arrival)
    {
        var open = arrival!.GetAwaiter().GetResult();
        arrival.Dispose();
        arrival = null;
        return open;
    }

    private void Commit(List<Write> writes)
    {
        if (Stopped is { } stopped)
        {
            foreach (var write in writes)
                write.Fail(stopped);
            return;
        }
        Exception? failure = null;
        _committing = true;
        try
        {
            if (!TryCommitTogether(writes))
                CommitEachInItsSavepoint(writes);
        }
        catch (Exception exception)
        {
            // A disk failure fails the whole commit (the transaction is rolled back as it is disposed): not one of its writes is kept.
            failure = DiskProblem(exception) is { } problem ? Stop(exception, problem) : exception;
        }
        finally
        {
            // Idle again before any caller resumes: one that asks for the held writes as it resumes is heard.
            _committing = false;
        }
        foreach (var write in writes)
        {
            if (failure is null)
                write.Succeed();
            else
                write.Fail(failure);
        }
    }

    /// <summary>
    /// Commits the writes in one transaction with no savepoints; false, with nothing kept, when one of them fails. Nearly every
    /// commit takes this way: a savepoint per write made SQLite copy every page a write changed again into a statement journal
    /// (a temporary file per commit), which wrote more than the commit itself.
    /// </summary>
    private bool TryCommitTogether(List<Write> writes)
    {
        using var transaction = _connection.BeginTransaction();
        foreach (var write in writes)
        {
            try
            {
                write.Run(_connection, transaction);
            }
            catch (Exception exception) when (DiskProblem(exception) is null)
            {
                return false; // rolled back as the transaction is disposed
            }
        }
        transaction.Commit();
        return true;
    }

    /// <summary>Commits the writes again, each inside its own savepoint, so that the one that fails does not undo the others.</summary>
    private void CommitEachInItsSavepoint(List<Write> writes)
    {
        using var transaction = _connection.BeginTransaction();
        var savepoint = Prepared("SAVEPOINT w", transaction);
        var release = Prepared("RELEASE w", transaction);
        foreach (var write in writes)
        {
            savepoint.ExecuteNonQuery();
            try
            {
                write.Run(_connection, transaction);
                release.ExecuteNonQuery();
            }
            catch (Exception exception) when (DiskProblem(exception) is null)
            {
                Prepared("ROLLBACK TO w", transaction).ExecuteNonQuery();
                release.ExecuteNonQuery();
                write.Fail(exception);
            }
        }
        transaction.Commit();
    }

    private ResyncException Stop(Exception exception, StateDiskProblem problem)
    {
        var sqlite = (SqliteException)exception;
        var stopped = StateStoreStopped.Exception(ErrorClassifier.Default.ClassifySqlite(sqlite.SqliteErrorCode, sqlite.SqliteExtendedErrorCode, sqlite.Message),
            _connection.DataSource, problem, exception);
        Interlocked.CompareExchange(ref _stopped, stopped, null);
        return Stopped!;
    }

    private static StateDiskProblem? DiskProblem(Exception exception) => exception is SqliteException sqlite
        ? sqlite.SqliteErrorCode switch
        {
            SqliteResultCodes.Full => StateDiskProblem.Full,
            SqliteResultCodes.ReadOnly => StateDiskProblem.ReadOnly,
            SqliteResultCodes.IoError => StateDiskProblem.IoError,
            _ => null,
        }
        : null;

    private abstract class Write
    {
        /// <summary>Whether the write may wait for later ones to share their commit.</summary>
        public bool Held { get; init; }

        public abstract void Run(SqliteConnection connection, SqliteTransaction transaction);

        public abstract void Fail(Exception exception);

        public abstract void Succeed();
    }

    private sealed class Write<T>(Func<SqliteConnection, SqliteTransaction, T> work) : Write
    {
        private T? _result;
        private bool _failed;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Run(SqliteConnection connection, SqliteTransaction transaction) => _result = work(connection, transaction);

        public override void Fail(Exception exception)
        {
            _failed = true;
            Completion.TrySetException(exception);
        }

        public override void Succeed()
        {
            if (!_failed)
                Completion.TrySetResult(_result!);
        }
    }
}
