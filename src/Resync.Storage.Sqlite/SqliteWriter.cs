using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Resync.Storage.Sqlite;

/// <summary>
/// The store's single writer: it takes every write queued since its last commit and commits them in one
/// transaction (group commit), each inside its own savepoint so one failing write does not undo the others.
/// Parallel batches thus share one fsync instead of paying one each. A caller's task completes only after
/// its write is durable.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const int MaxWritesPerCommit = 256;
    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteConnection _connection;
    private readonly Task _loop;
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    public SqliteWriter(SqliteConnection connection)
    {
        _connection = connection;
        _loop = Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public Task<T> ExecuteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var write = new Write<T>(work);
        if (!_queue.Writer.TryWrite(write))
            throw new ObjectDisposedException(nameof(SqliteWriter));
        return write.Completion.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
        foreach (var command in _prepared.Values)
            await command.DisposeAsync();
        _prepared.Clear();
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

    private void Loop()
    {
        var pending = new List<Write>(MaxWritesPerCommit);
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (pending.Count < MaxWritesPerCommit && _queue.Reader.TryRead(out var write))
                pending.Add(write);
            Commit(pending);
            pending.Clear();
        }
    }

    private void Commit(List<Write> writes)
    {
        try
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
                catch (Exception exception)
                {
                    Prepared("ROLLBACK TO w", transaction).ExecuteNonQuery();
                    release.ExecuteNonQuery();
                    write.Fail(exception);
                }
            }
            transaction.Commit();
        }
        catch (Exception exception)
        {
            foreach (var write in writes)
                write.Fail(exception);
            return;
        }
        foreach (var write in writes)
            write.Succeed();
    }

    private abstract class Write
    {
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
