using Resync.Core.Records;

namespace Resync.Core.Engine;

/// <summary>One batch handed to a dispatcher: its number in the run, the cursor that fetches it again, and its records.</summary>
public sealed record BatchWork(int Number, string? Cursor, IReadOnlyList<Record> Records)
{
    /// <summary>The highest change marker of the page, if its source tracks one; its result carries it to the store.</summary>
    public string? Watermark { get; init; }

    /// <summary>The page's records are the batch's own (<see cref="Sdk.SourcePage.RecordsAreFresh"/>): the steps may change them in place.</summary>
    public bool RecordsAreFresh { get; init; }

    /// <summary>True when an earlier attempt may have written the batch without its outcome being stored (see <see cref="Sdk.TargetBatch.MayBeWritten"/>).</summary>
    public bool MayBeWritten { get; init; }
}
