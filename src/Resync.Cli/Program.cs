using System.CommandLine;
using Resync.Cli;
using Resync.Cli.Commands;
using Spectre.Console;

var db = new Option<string?>("--db") { Description = "The state file (default: $RESYNC_DB, else .resync/state.db).", Recursive = true };
var json = new Option<bool>("--json") { Description = "Print one JSON document instead of the console display.", Recursive = true };

var linkFile = new Argument<string>("link-file") { Description = "The link's YAML file." };
var run = new Command("run", "Run a link once and print its summary.") { linkFile };
run.SetAction((parse, token) => Guard(() => LinkRunCommand.RunFileAsync(parse.GetValue(linkFile)!, parse.GetValue(db), parse.GetValue(json), token)));

var demo = new Command("demo", "Run the built-in demo link: a contacts API stand-in into a local SQLite table, with every kind of outcome.");
demo.SetAction((parse, token) => Guard(() => LinkRunCommand.RunDemoAsync(parse.GetValue(db), parse.GetValue(json), token)));

var linkFilter = new Option<string?>("--link") { Description = "Only runs of this link." };
var statusFilter = new Option<string?>("--status") { Description = "Only runs with this status (Running, Succeeded, CompletedWithErrors, Failed, Interrupted)." };
var limit = new Option<int>("--limit") { Description = "How many at most.", DefaultValueFactory = _ => 20 };
var runs = new Command("runs", "List recent runs, newest first.") { linkFilter, statusFilter, limit };
runs.SetAction((parse, token) => Guard(() => RunQueryCommands.ListAsync(parse.GetValue(db), parse.GetValue(linkFilter), parse.GetValue(statusFilter), parse.GetValue(limit), parse.GetValue(json), token)));

var runId = new Argument<long>("run-id") { Description = "The run's number." };
var records = new Option<string?>("--records") { Description = "Also list kept records: failed, ignored, succeeded or all (with before/after snapshots)." };
var recordLimit = new Option<int>("--limit") { Description = "How many records at most.", DefaultValueFactory = _ => 20 };
var show = new Command("show", "Show a run's summary: counts, system and batch errors, record errors grouped, and records.") { runId, records, recordLimit };
show.SetAction((parse, token) => Guard(() => RunQueryCommands.ShowAsync(parse.GetValue(db), parse.GetValue(runId), parse.GetValue(records), parse.GetValue(recordLimit), parse.GetValue(json), token)));

if (Console.IsOutputRedirected)
{
    // Logs, pipes and CI get plain text at a width that does not wrap every line.
    AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Ansi = AnsiSupport.No,
        ColorSystem = ColorSystemSupport.NoColors,
        Out = new AnsiConsoleOutput(Console.Out),
    });
    AnsiConsole.Profile.Width = 160;
}

var reference = new Command("reference", "Print the link-file reference (every key of every source, target and step) as Markdown.");
reference.SetAction(_ =>
{
    Console.Out.Write(Resync.LinkFiles.LinkReference.Write(Resync.Connectors.BuiltInConnectors.CreateCatalog()));
    return ExitCodes.Succeeded;
});

var root = new RootCommand("Resync: an integration engine whose defining feature is error handling and recovery.") { db, json, run, demo, runs, show, reference };
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        await Console.Error.WriteLineAsync($"error: {error.Message}");
    await Console.Error.WriteLineAsync("Run 'resync --help' for usage.");
    return ExitCodes.Usage;
}
return await parsed.InvokeAsync();

static async Task<int> Guard(Func<Task<int>> command)
{
    try
    {
        return await command();
    }
    catch (CliException exception)
    {
        await Console.Error.WriteLineAsync($"error: {exception.Message}");
        if (exception.Hint is not null)
            await Console.Error.WriteLineAsync($"hint: {exception.Hint}");
        return exception.ExitCode;
    }
    catch (OperationCanceledException)
    {
        await Console.Error.WriteLineAsync("Cancelled.");
        return ExitCodes.Failed;
    }
    catch (Exception exception) when (Environment.GetEnvironmentVariable("RESYNC_DEBUG") is null)
    {
        await Console.Error.WriteLineAsync($"error: {exception.GetType().Name}: {exception.Message}");
        await Console.Error.WriteLineAsync("hint: this is unexpected; set RESYNC_DEBUG=1 to see the stack trace, and report it.");
        return ExitCodes.Failed;
    }
}
