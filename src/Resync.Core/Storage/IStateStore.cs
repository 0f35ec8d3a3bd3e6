namespace Resync.Core.Storage;

/// <summary>
/// All the run state one store keeps (SQLite file or PostgreSQL database): what a host opens by configuration and hands to
/// the engine (write side), the CLI and the API (read side) and recovery.
/// </summary>
public interface IStateStore : IRunStore, IRunQueries, IRecoveryStore, IAsyncDisposable
{
    /// <summary>Where the state is, for people: a file path, or a database without its password.</summary>
    string Location { get; }

    /// <summary>Why the store cannot record runs now (a read-only file, a database in recovery, unreachable), or null when it can.</summary>
    Task<string?> WriteProblemAsync(CancellationToken cancellationToken);
}
