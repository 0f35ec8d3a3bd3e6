using Resync.Core.Errors;
using Resync.Core.Storage;
using Resync.Server;

namespace Resync.Cli.Commands;

/// <summary>Opens the state store (--state / --db) for a command and marks runs whose process died as Interrupted.</summary>
internal static class StateSession
{
    public static async Task<IStateStore> OpenAsync(string? dbOption, TextWriter notices, CancellationToken cancellationToken) =>
        (await OpenStateAsync(dbOption, notices, cancellationToken)).Runs;

    /// <summary>The run store (initialised, disposed by the caller) and the server's store beside it (not yet initialised).</summary>
    public static async Task<OpenedState> OpenStateAsync(string? dbOption, TextWriter notices, CancellationToken cancellationToken)
    {
        var location = StateFile.Resolve(dbOption);
        var state = StateStores.Open(location, TimeProvider.System);
        var store = state.Runs;
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
            throw new CliException(ExitCodes.Failed, $"The state file '{store.Location}' cannot be opened: {exception.Message}", "Choose another path with --state.");
        }
        foreach (var runId in await store.RecoverInterruptedRunsAsync(TimeProvider.System.GetUtcNow(), cancellationToken))
            await notices.WriteLineAsync($"Run {runId} was left running by a process that stopped: marked Interrupted (see `resync show {runId}`).");
        return state;
    }
}
