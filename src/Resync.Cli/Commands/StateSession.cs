using Resync.Core.Errors;
using Resync.Storage.Sqlite;

namespace Resync.Cli.Commands;

/// <summary>Opens the state file for a command and marks runs whose process died as Interrupted.</summary>
internal static class StateSession
{
    public static async Task<SqliteRunStore> OpenAsync(string? dbOption, TextWriter notices, CancellationToken cancellationToken)
    {
        var path = StateFile.Resolve(dbOption);
        var store = new SqliteRunStore(path);
        try
        {
            await store.InitializeAsync(cancellationToken);
        }
        catch (ResyncException exception)
        {
            await store.DisposeAsync();
            throw new CliException(ExitCodes.Failed, exception.Message, exception.Classification.Hint);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            await store.DisposeAsync();
            throw new CliException(ExitCodes.Failed, $"The state file '{path}' cannot be opened: {exception.Message}", "Choose another path with --db.");
        }
        foreach (var runId in await store.RecoverInterruptedRunsAsync(TimeProvider.System.GetUtcNow(), cancellationToken))
            await notices.WriteLineAsync($"Run {runId} was left running by a process that stopped: marked Interrupted (see `resync show {runId}`).");
        return store;
    }
}
