using System.Globalization;
using Resync.Cli.Output;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.Server.Links;
using Resync.Server.Runs;
using Spectre.Console;
using Link = Resync.Core.Links.Link;

namespace Resync.Cli.Commands;

/// <summary>Shows a run while it goes (live counts) and its summary when it has ended; gives the command's exit code.</summary>
internal static class RunReport
{
    /// <summary>Runs <paramref name="start"/> with a live display (unless JSON is asked for), then prints the run's summary.</summary>
    public static async Task<int> FollowAsync(IStateStore store, Link link, bool json, Func<RunProgress, Task<RunResult>> start, Func<RunResult, Task<IReadOnlyList<string>>>? notes = null)
    {
        var progress = new RunProgress();
        var running = start(progress);
        if (!json)
            await ShowProgressAsync(link, progress, running);
        var result = await running;
        return await PrintAsync(store, result.RunId, json, notes is null ? [] : await notes(result));
    }

    /// <summary>Says which definition of its link a recovery runs with, and what changed since the run it recovers.</summary>
    public static void WriteDefinition(DefinitionChoice choice)
    {
        foreach (var line in choice.Lines())
            AnsiConsole.MarkupLine(Markup.Escape(line));
    }

    /// <summary>Keeps in the recovery run's history which definition it ran with and what had changed.</summary>
    public static Task KeepDefinitionAsync(IStateStore store, long runId, DefinitionChoice choice) =>
        store.AddRunEventAsync(new RunEvent(runId, TimeProvider.System.GetUtcNow(), RunEventKinds.Definition, choice.Summary),
            CancellationToken.None);

    public static async Task<int> PrintAsync(IStateStore store, long runId, bool json, IEnumerable<string> notes)
    {
        var view = (await store.GetRunAsync(runId, CancellationToken.None))!;
        if (json)
            JsonOutput.Write(await RunDocument.ReadAsync(store, store, view, null, CancellationToken.None));
        else
        {
            var groups = await store.ListErrorGroupsAsync(runId, CancellationToken.None);
            var lineage = await RunLineage.ReadAsync(store, view, CancellationToken.None);
            var samples = await store.ListRecordsAsync(runId, new Core.Storage.RecordFilter(OutcomeKind.Failed, Limit: 3), CancellationToken.None);
            AnsiConsole.WriteLine();
            RunSummaryView.Write(AnsiConsole.Console, view, groups, samples, lineage);
            foreach (var note in notes)
                AnsiConsole.MarkupLine(Markup.Escape(note));
            AnsiConsole.MarkupLine($"[grey]Details: resync show {view.Id} --records failed   ·   state: {Markup.Escape(store.Location)}[/]");
        }
        return ExitCodeOf(view.Status);
    }

    public static int ExitCodeOf(RunStatus status) => status switch
    {
        RunStatus.Succeeded => ExitCodes.Succeeded,
        RunStatus.CompletedWithErrors => ExitCodes.CompletedWithErrors,
        _ => ExitCodes.Failed,
    };

    private static async Task ShowProgressAsync(Link link, RunProgress progress, Task running)
    {
        var started = TimeProvider.System.GetTimestamp();
        string Line() => ProgressLine.Format(progress.RunId, link.Id, progress.Snapshot(), TimeProvider.System.GetElapsedTime(started), AnsiConsole.Profile.Width);

        if (Console.IsOutputRedirected)
        {
            // Logs and CI: a plain line every two seconds instead of a redrawn display.
            while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(2))) != running)
                Console.Out.WriteLine(Line());
            return;
        }
        // AutoClear: the live line gives way to the summary instead of staying above it.
        await AnsiConsole.Live(new Markup(Markup.Escape(Line()))).AutoClear(true).StartAsync(async live =>
        {
            while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250))) != running)
                live.UpdateTarget(new Markup(Markup.Escape(Line())));
        });
    }
}
