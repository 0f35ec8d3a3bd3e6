using Resync.Core.Records;

namespace Resync.Connectors.Files;

/// <summary>Turns the lines of one file format into records; one instance per reading of the file.</summary>
internal interface ILineRecordParser
{
    /// <summary>Reads what comes before the records (a CSV header) from a reader at the file's start.</summary>
    ValueTask ReadPreambleAsync(LineReader reader, CancellationToken cancellationToken);

    /// <summary>
    /// The next record, or null at the end of the file. A line that cannot be read becomes a record with
    /// <see cref="Record.ReadError"/> set (it fails alone); blank lines are skipped.
    /// </summary>
    ValueTask<Record?> NextAsync(LineReader reader, CancellationToken cancellationToken);
}
