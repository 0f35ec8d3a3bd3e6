namespace Resync.Testing;

/// <summary>
/// A server the tests start for themselves in a folder of their own (PostgreSQL, RabbitMQ): stopped once, by whichever comes
/// first of its dispose and the end of the test process (<see cref="ProcessWide{T}"/>).
/// </summary>
public abstract class ThrowawayServer : IAsyncDisposable
{
    private int _stopped;

    protected ThrowawayServer(string folder) => Folder = folder;

    /// <summary>The server's folder (its data, logs and configuration), deleted when it stops.</summary>
    public string Folder { get; }

    public ValueTask DisposeAsync()
    {
        Stop();
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the server at once and deletes its folder; later calls do nothing.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
            StopOnce();
    }

    /// <summary>Stops the server and deletes its folder; called once.</summary>
    protected abstract void StopOnce();
}
