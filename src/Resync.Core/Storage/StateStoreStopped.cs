using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>
/// A state store whose disk failed it (full, read-only, an I/O error) stops writing for the rest of the process. A write
/// after the failure could commit while one before it did not (a later, smaller write fits), leaving a gap no recovery
/// would see; stopped, the store holds the runs exactly as at its last commit, as after a crash at that point, and the
/// next start's crash recovery finishes the run that was cut: its records not yet committed are read again.
/// </summary>
public static class StateStoreStopped
{
    /// <summary>The failure, naming the store and the cause, with what to do.</summary>
    public static ResyncException Exception(ErrorClassification cause, string location, StateDiskProblem problem, Exception inner) =>
        new(cause with
        {
            Type = ErrorType.Runtime,
            Durability = Durability.Durable,
            Message = $"The state store '{location}' cannot be written ({cause.Message}). Nothing more is written to it by this " +
                "process: it holds the runs as they were at its last commit, and the next start finishes the run that was cut.",
            Hint = problem switch
            {
                StateDiskProblem.Full => "The disk is full: free space",
                StateDiskProblem.ReadOnly => "The state store is read-only: make it writable again (a SQLite file with the -wal and -shm files beside it)",
                _ => "The disk failed a read or a write: check it (dmesg, the database's log)",
            } + ", then run any resync command (or restart resync serve) and `resync incomplete retry --all`: the records the cut run had not committed are read again.",
        }, inner);
}
