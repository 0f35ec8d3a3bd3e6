using System.Globalization;
using Resync.Core.Storage;
using Spectre.Console;

namespace Resync.Cli.Output;

/// <summary>
/// The <c>resync runs</c> table, laid out for the console's width: narrower consoles keep what tells runs apart (run, link,
/// status, start, read, failed) and add the rest as room allows; no column but the link's wraps, so no word is cut in two.
/// </summary>
internal static class RunTable
{
    private sealed record Column(string Header, int From, bool Right, Func<RunView, bool, string> Cell);

    private const int Medium = 100;
    private const int Wide = 140;

    private static readonly Column[] Columns =
    [
        new("run", 0, true, (run, _) => run.Id.ToString(CultureInfo.InvariantCulture)),
        new("link", 0, false, (run, _) => Markup.Escape(run.LinkId)),
        new("kind", Medium, false, (run, _) => run.Kind.ToString()),
        new("status", 0, false, (run, _) => RunSummaryView.Status(run.Status)),
        new("started (UTC)", 0, false, (run, wide) => run.StartedAt.ToString(wide ? "yyyy-MM-dd HH:mm:ss" : "MM-dd HH:mm", CultureInfo.InvariantCulture)),
        new("took", Wide, true, (run, _) => run.EndedAt is { } end ? (end - run.StartedAt).TotalSeconds.ToString("0.0s", CultureInfo.InvariantCulture) : "-"),
        new("read", 0, true, (run, _) => RunSummaryView.N(run.Counts.Read)),
        new("succeeded", Medium, true, (run, _) => RunSummaryView.N(run.Counts.Succeeded)),
        new("failed", 0, true, (run, _) => RunSummaryView.N(run.Counts.Failed)),
        new("ignored", Medium, true, (run, _) => RunSummaryView.N(run.Counts.Ignored)),
    ];

    public static Table Build(IReadOnlyList<RunView> runs, int width)
    {
        var wide = width >= Wide;
        var shown = Columns.Where(c => width >= c.From).ToList();
        var table = new Table().Border(wide ? TableBorder.Rounded : TableBorder.Simple);
        foreach (var column in shown)
        {
            var header = new TableColumn(wide || column.Header != "started (UTC)" ? column.Header : "started");
            if (column.Right)
                header.RightAligned();
            if (column.Header != "link")
                header.NoWrap();
            table.AddColumn(header);
        }
        foreach (var run in runs)
            table.AddRow([.. shown.Select(c => c.Cell(run, wide))]);
        return table;
    }
}
