using Resync.Core.Records;
using Resync.Core.Runs;

namespace Resync.Cli.Output;

/// <summary>The line under a page of records: how many of how many are shown, and how to see others.</summary>
internal static class RecordPage
{
    public static string Describe(RunCounts counts, OutcomeKind? outcome, int offset, int limit, int shown)
    {
        var total = outcome switch
        {
            OutcomeKind.Succeeded => counts.Succeeded,
            OutcomeKind.Failed => counts.Failed,
            OutcomeKind.Ignored => counts.Ignored,
            OutcomeKind.Incomplete => counts.Incomplete,
            _ => counts.Read,
        };
        var kind = outcome?.ToString().ToLowerInvariant() ?? "";
        var records = $"{(kind.Length == 0 ? "" : kind + " ")}record{(total == 1 ? "" : "s")}";
        if (total == 0)
            return $"The run has no {records}.";
        if (shown == 0 && offset > 0)
            return $"No {records} after the first {RunSummaryView.N(offset)}: the run has {RunSummaryView.N(total)}.";
        if (shown == 0)
            return $"None of the run's {RunSummaryView.N(total)} {records} was kept: a link keeps the values of failed records (loggingLevel: errors, the default) or of every record (all).";
        return Shown(total, records, offset, limit, shown);
    }

    /// <summary>"6–15 of 4,086 records shown — use --limit/--offset for more." for a page that is not empty.</summary>
    public static string Shown(long total, string records, int offset, int limit, int shown)
    {
        var range = offset == 0 ? RunSummaryView.N(shown) : $"{RunSummaryView.N(offset + 1)}–{RunSummaryView.N(offset + shown)}";
        return shown == limit && offset + shown < total
            ? $"{range} of {RunSummaryView.N(total)} {records} shown — use --limit/--offset for more."
            : $"{range} of {RunSummaryView.N(total)} {records} shown.";
    }
}
