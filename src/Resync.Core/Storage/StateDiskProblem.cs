namespace Resync.Core.Storage;

/// <summary>Why a state store's disk refused a write (see <see cref="StateStoreStopped"/>).</summary>
public enum StateDiskProblem
{
    /// <summary>No space left (SQLITE_FULL, PostgreSQL 53100 disk_full).</summary>
    Full,

    /// <summary>The file or the database only reads (SQLITE_READONLY, PostgreSQL 25006).</summary>
    ReadOnly,

    /// <summary>The disk failed a read or a write (SQLITE_IOERR, PostgreSQL 58030 io_error).</summary>
    IoError,
}
