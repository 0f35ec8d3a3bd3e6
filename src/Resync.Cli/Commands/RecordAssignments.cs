using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Cli.Commands;

/// <summary>A record's values changed by <c>--set field=value</c> and <c>--unset field</c> (incomplete and failed records alike).</summary>
internal static class RecordAssignments
{
    public static void Check(IReadOnlyList<string> assignments, IReadOnlyList<string> removals)
    {
        if (assignments.Count == 0 && removals.Count == 0)
            throw new CliException(ExitCodes.Usage, "Say what to change: --set field=value (repeatable) and/or --unset field.");
        foreach (var assignment in assignments.Where(a => a.IndexOf('=', StringComparison.Ordinal) <= 0))
            throw new CliException(ExitCodes.Usage, $"'{assignment}' is not field=value.");
    }

    /// <summary>
    /// The values of <paramref name="record"/> with the changes made, on top of its last edit (<paramref name="edits"/>), else of
    /// the values kept when it ran: a record kept without them (logging level None) has nothing to edit.
    /// </summary>
    public static Dictionary<string, object?> ApplyToRecord(IReadOnlyDictionary<(int Batch, int Position), string> edits, RecordView record,
        IReadOnlyList<string> assignments, IReadOnlyList<string> removals)
    {
        var stored = edits.GetValueOrDefault((record.BatchNumber, record.Position)) ?? record.BeforeJson
            ?? throw new CliException(ExitCodes.Usage, $"The record at batch {record.BatchNumber}, position {record.Position} has no snapshot to edit (logging level None).");
        return Apply(stored, assignments, removals);
    }

    /// <summary>The values of <paramref name="storedJson"/> with the changes made.</summary>
    public static Dictionary<string, object?> Apply(string storedJson, IReadOnlyList<string> assignments, IReadOnlyList<string> removals)
    {
        Check(assignments, removals);
        var fields = RecordJson.ToFields(storedJson);
        foreach (var assignment in assignments)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            fields[assignment[..equals]] = assignment[(equals + 1)..];
        }
        foreach (var removal in removals)
            fields.Remove(removal);
        return fields;
    }
}
