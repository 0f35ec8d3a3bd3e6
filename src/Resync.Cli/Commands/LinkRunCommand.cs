using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Resync.Cli.Output;
using Resync.Connectors;
using Resync.Core.Engine;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Runs;
using Resync.Core.Storage;
using Resync.LinkFiles;
using Spectre.Console;

namespace Resync.Cli.Commands;

/// <summary><c>resync run &lt;link-file&gt;</c> and <c>resync demo</c>: run a link once with a live display, then print its summary.</summary>
internal static class LinkRunCommand
{
    public static async Task<int> RunFileAsync(string file, string? db, bool json, CancellationToken cancellationToken)
    {
        var result = new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Load(file);
        return await RunLoadedAsync(result, db, json, cancellationToken);
    }

    public static async Task<int> RunDemoAsync(string? db, bool json, CancellationToken cancellationToken)
    {
        // The demo's target file sits beside the state file, so a demo leaves nothing else behind.
        var stateFolder = Path.GetDirectoryName(StateFile.Resolve(db))!;
        await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("demo.link.yaml")!;
        using var reader = new StreamReader(stream);
        var yaml = await reader.ReadToEndAsync(cancellationToken);
        Directory.CreateDirectory(stateFolder);
        var result = new LinkFileLoader(BuiltInConnectors.CreateCatalog()).Parse(yaml, "demo.link.yaml (built in)", stateFolder);
        return await RunLoadedAsync(result, db, json, cancellationToken);
    }

    private static async Task<int> RunLoadedAsync(LinkFileResult loaded, string? db, bool json, CancellationToken cancellationToken)
    {
        if (!loaded.Succeeded)
        {
            var problems = string.Join(Environment.NewLine, loaded.Problems.Select(p => $"  {p}"));
            throw new CliException(ExitCodes.Usage, $"The link file is not valid ({loaded.Problems.Count} problem{(loaded.Problems.Count == 1 ? "" : "s")}):{Environment.NewLine}{problems}");
        }
        var link = loaded.Link!;
        await using var store = await StateSession.OpenAsync(db, Console.Error, cancellationToken);
        await using var target = link.Target;
        var progress = new RunProgress();
        var engine = new RunEngine(store, TimeProvider.System);
        var running = engine.RunAsync(link, new RunRequest(RunKind.Manual, "cli"), progress, cancellationToken);
        if (!json)
            await ShowProgressAsync(link, progress, running);
        var result = await running;

        var view = (await store.GetRunAsync(result.RunId, CancellationToken.None))!;
        var groups = await store.ListErrorGroupsAsync(result.RunId, CancellationToken.None);
        if (json)
        {
            Console.Out.WriteLine(RunDocument.Build(view, groups).ToJsonString(RunDocument.Options));
        }
        else
        {
            var samples = await store.ListRecordsAsync(result.RunId, new RecordFilter(OutcomeKind.Failed, Limit: 3), CancellationToken.None);
            AnsiConsole.WriteLine();
            RunSummaryView.Write(AnsiConsole.Console, view, groups, samples);
            AnsiConsole.MarkupLine($"[grey]Details: resync show {view.Id} --records failed   ·   state: {Markup.Escape(store.FilePath)}[/]");
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
        string Line()
        {
            var c = progress.Snapshot();
            var seconds = Math.Max(TimeProvider.System.GetElapsedTime(started).TotalSeconds, 0.001);
            return string.Create(CultureInfo.InvariantCulture,
                $"run {progress.RunId} · {link.Id} · {c.Read / seconds:N0} records/s · read {c.Read:N0} · succeeded {c.Succeeded:N0} · failed {c.Failed:N0} · ignored {c.Ignored:N0} · warnings {c.Warnings:N0} · batches {c.BatchesTotal:N0} ({c.BatchesFailed} failed)");
        }

        if (Console.IsOutputRedirected)
        {
            // Logs and CI: a plain line every two seconds instead of a redrawn display.
            while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(2))) != running)
                Console.Out.WriteLine(Line());
            return;
        }
        await AnsiConsole.Live(new Markup(Markup.Escape(Line()))).StartAsync(async live =>
        {
            while (await Task.WhenAny(running, Task.Delay(TimeSpan.FromMilliseconds(250))) != running)
                live.UpdateTarget(new Markup(Markup.Escape(Line())));
            live.UpdateTarget(new Markup(Markup.Escape(Line())));
        });
    }
}
