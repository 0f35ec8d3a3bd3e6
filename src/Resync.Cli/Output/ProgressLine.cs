using System.Globalization;
using Resync.Core.Runs;

namespace Resync.Cli.Output;

/// <summary>The live line of a run in progress, made to fit one console line: what matters least is left out first.</summary>
internal static class ProgressLine
{
    /// <summary>Before this, a rate says more about start-up than about throughput ("23 records/s" for an 8-record run).</summary>
    public static readonly TimeSpan RateAfter = TimeSpan.FromSeconds(2);

    public static string Format(long runId, string linkId, RunCounts c, TimeSpan elapsed, int width)
    {
        // (text, rank): the higher the rank, the sooner a part is dropped to fit.
        var parts = new List<(string Text, int Rank)>
        {
            ($"run {runId}", 0),
            (linkId, 4),
            (Invariant($"read {c.Read:N0}"), 0),
            (Invariant($"succeeded {c.Succeeded:N0}"), 1),
            (Invariant($"failed {c.Failed:N0}"), 1),
            (Invariant($"ignored {c.Ignored:N0}"), 6),
            (Invariant($"warnings {c.Warnings:N0}"), 7),
            (Invariant($"batches {c.BatchesTotal:N0} ({c.BatchesFailed:N0} failed)"), 3),
        };
        if (elapsed >= RateAfter)
            parts.Add((Invariant($"{c.Read / elapsed.TotalSeconds:N0} records/s"), 5));
        // The last column stays free: a line that fills the width wraps on some terminals.
        var room = Math.Max(width - 1, 20);
        var line = Join(parts);
        while (line.Length > room && parts.Count > 1 && parts.Max(p => p.Rank) > 0)
        {
            parts.Remove(parts.Last(p => p.Rank == parts.Max(q => q.Rank)));
            line = Join(parts);
        }
        return line.Length <= room ? line : string.Concat(line.AsSpan(0, room - 1), "…");
    }

    private static string Join(List<(string Text, int Rank)> parts) => string.Join(" · ", parts.Select(p => p.Text));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
