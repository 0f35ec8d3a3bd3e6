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

var retryRun = new Argument<long>("run-id") { Description = "The run whose failures to retry (any run of a chain)." };
var retryGroup = new Option<int?>("--group") { Description = "Only this error group (its number in `resync show`)." };
var retry = new Command("retry", "Retry Failures: a Retry run with the run's failed batches (fetched again) and failed records (from snapshots).") { retryRun, retryGroup };
retry.SetAction((parse, token) => Guard(() => RetryCommand.RunAsync(parse.GetValue(db), parse.GetValue(retryRun), parse.GetValue(retryGroup), parse.GetValue(json), token)));

var incompleteIds = new Argument<long[]>("ids") { Description = "Incomplete run ids.", Arity = ArgumentArity.ZeroOrMore };
var incompleteAll = new Option<bool>("--all") { Description = "Every open incomplete run (list: also resolved and discarded ones)." };
var incompleteList = new Command("list", "List incomplete runs (open ones by default).") { incompleteAll };
incompleteList.SetAction((parse, token) => Guard(() => IncompleteCommands.ListAsync(parse.GetValue(db), parse.GetValue(incompleteAll), parse.GetValue(json), token)));
var incompleteId = new Argument<long>("id") { Description = "The incomplete run's id." };
var incompleteShow = new Command("show", "Show an incomplete run: why it stopped and the records in it.") { incompleteId };
incompleteShow.SetAction((parse, token) => Guard(() => IncompleteCommands.ShowAsync(parse.GetValue(db), parse.GetValue(incompleteId), parse.GetValue(json), token)));
var incompleteRetry = new Command("retry", "Retry incomplete runs now (their records as edited, then the pages never read).") { incompleteIds, incompleteAll };
incompleteRetry.SetAction((parse, token) => Guard(() => IncompleteCommands.RetryAsync(parse.GetValue(db), parse.GetValue(incompleteIds) ?? [], parse.GetValue(incompleteAll), parse.GetValue(json), token)));
var editBatch = new Option<int>("--batch") { Description = "The record's batch (see `resync incomplete show`).", Required = true };
var editPosition = new Option<int>("--position") { Description = "The record's position in its batch.", Required = true };
var editSet = new Option<string[]>("--set") { Description = "field=value (repeatable).", AllowMultipleArgumentsPerToken = false };
var editUnset = new Option<string[]>("--unset") { Description = "A field to remove (repeatable)." };
var incompleteEdit = new Command("edit", "Change a record's values in an incomplete run; the next retry writes them.") { incompleteId, editBatch, editPosition, editSet, editUnset };
incompleteEdit.SetAction((parse, token) => Guard(() => IncompleteCommands.EditAsync(parse.GetValue(db), parse.GetValue(incompleteId), parse.GetValue(editBatch), parse.GetValue(editPosition),
    parse.GetValue(editSet) ?? [], parse.GetValue(editUnset) ?? [], token)));
var discardReason = new Option<string?>("--reason") { Description = "Why (kept in the run's history)." };
var incompleteDiscard = new Command("discard", "Discard incomplete runs: their remainder will not be processed.") { incompleteIds, incompleteAll, discardReason };
incompleteDiscard.SetAction((parse, token) => Guard(() => IncompleteCommands.DiscardAsync(parse.GetValue(db), parse.GetValue(incompleteIds) ?? [], parse.GetValue(incompleteAll), parse.GetValue(discardReason), token)));
var incomplete = new Command("incomplete", "The remainders of runs that stopped partway: list, show, retry, edit, discard.")
{
    incompleteList, incompleteShow, incompleteRetry, incompleteEdit, incompleteDiscard,
};

var links = new Command("links", "List links with their state, last successful sync (watermark) and failures in a row.");
links.SetAction((parse, token) => Guard(() => LinksCommand.ListAsync(parse.GetValue(db), parse.GetValue(json), token)));

var referenceUpdate = new Option<string?>("--update") { Description = "Rewrite the generated part of this Markdown file (between its reference markers) instead of printing." };
var reference = new Command("reference", "Print the link-file reference (every key of every source, target and step) as Markdown.") { referenceUpdate };
reference.SetAction(parse => Guard(async () =>
{
    var text = Resync.LinkFiles.LinkReference.Write(Resync.Connectors.BuiltInConnectors.CreateCatalog());
    if (parse.GetValue(referenceUpdate) is not { } file)
    {
        await Console.Out.WriteAsync(text);
        return ExitCodes.Succeeded;
    }
    try
    {
        await File.WriteAllTextAsync(file, Resync.LinkFiles.LinkReference.Splice(await File.ReadAllTextAsync(file), text));
    }
    catch (ArgumentException exception)
    {
        throw new CliException(ExitCodes.Usage, $"{file}: {exception.Message}");
    }
    return ExitCodes.Succeeded;
}));


var urls = new Option<string>("--urls") { Description = "Where the server listens.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
var linksFolder = new Option<string?>("--links") { Description = "A folder of link files to load and watch." };
var allowLoopback = new Option<bool>("--allow-loopback") { Description = "Let links and push callbacks connect to loopback addresses (off: SSRF guard)." };
var allowPrivate = new Option<bool>("--allow-private-networks") { Description = "Let links and push callbacks connect to private networks (off: SSRF guard)." };
var shutdownTimeout = new Option<int?>("--shutdown-timeout") { Description = "Seconds a stop (SIGTERM, Ctrl+C) waits for runs to finish their current batches (default 30)." };
var serve = new Command("serve", "Run the server: REST API, push endpoint and scheduler, on the state file.") { urls, linksFolder, allowLoopback, allowPrivate, shutdownTimeout };
serve.SetAction((parse, token) => Guard(() => ServeCommand.RunAsync(parse.GetValue(db), parse.GetValue(urls)!, parse.GetValue(linksFolder),
    parse.GetValue(allowLoopback), parse.GetValue(allowPrivate), parse.GetValue(shutdownTimeout), token)));

var keyTenant = new Option<string?>("--tenant") { Description = "The tenant the key is limited to." };
var keyOperator = new Option<bool>("--operator") { Description = "A key for every tenant (operators)." };
var keyName = new Option<string>("--name") { Description = "What the key is for.", DefaultValueFactory = _ => "" };
var keysCreate = new Command("create", "Create an API key; it is printed once.") { keyTenant, keyOperator, keyName };
keysCreate.SetAction((parse, token) => Guard(() => KeyCommands.CreateAsync(parse.GetValue(db), parse.GetValue(keyTenant), parse.GetValue(keyOperator), parse.GetValue(keyName)!, token)));
var keysList = new Command("list", "List API keys (prefixes, scopes; never the keys).");
keysList.SetAction((parse, token) => Guard(() => KeyCommands.ListAsync(parse.GetValue(db), token)));
var keyPrefix = new Argument<string>("prefix") { Description = "The key's prefix, e.g. rsk_3fa9c2d1." };
var keysRevoke = new Command("revoke", "Revoke an API key.") { keyPrefix };
keysRevoke.SetAction((parse, token) => Guard(() => KeyCommands.RevokeAsync(parse.GetValue(db), parse.GetValue(keyPrefix)!, token)));
var keys = new Command("keys", "API keys of the server.") { keysCreate, keysList, keysRevoke };

var root = new RootCommand("Resync: an integration engine whose defining feature is error handling and recovery.") { db, json, run, demo, runs, show, retry, incomplete, links, reference, serve, keys };
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors)
        await Console.Error.WriteLineAsync($"error: {error.Message}");
    await Console.Error.WriteLineAsync("Run 'resync --help' for usage.");
    return ExitCodes.Usage;
}
// The server handles SIGTERM and SIGINT itself, through its host (see SignalLifetime); other commands cancel on them.
return await parsed.InvokeAsync(parsed.CommandResult.Command == serve ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null);

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
