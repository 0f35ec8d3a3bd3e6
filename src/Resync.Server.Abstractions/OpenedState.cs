using Resync.Core.Storage;

namespace Resync.Server;

/// <summary>The run store and the server's store over one state location (initialise <see cref="Server"/>: it initialises both).</summary>
public sealed record OpenedState(IStateStore Runs, IServerStore Server);
