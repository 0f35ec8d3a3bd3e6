using System.CommandLine;
using Resync.Cli;
using Resync.Cli.Commands;
using Resync.Cli.Output;
using Resync.Server.Links;
using Spectre.Console;

var db = new Option<string?>("--db", "--state")
{
    Description = "Where state is kept: a SQLite file (default: $RESYNC_DB, else .resync/state.db) or a PostgreSQL connection string (postgres://user:password@host/db).",
    Recursive = true,
};
var json = new Option<bool>("--json") { Description = "Print one JSON document instead of the console display.", Recursive = true };

var linkFile = new Argument<string>("link-file") { Description = "The link's YAML file." };
var run = new Command("run", "Run a link once and print its summary.") { linkFile };
run.SetAction((parse, token) => Guard(parse, () => LinkRunCommand.RunFileAsync(parse.GetValue(linkFile)!, parse.GetValue(db), parse.GetValue(json), token)));

var demo = new Command("demo", "Run the built-in demo link: a contacts API stand-in into a local SQLite table, with every kind of outcome.");
demo.SetAction((parse, token) => Guard(parse, () => LinkRunCommand.RunDemoAsync(parse.GetValue(db), parse.GetValue(json), token)));

var linkFilter = new Option<string?>("--link") { Description = "Only runs of this link." };
var statusFilter = new Option<string?>("--status") { Description = "Only runs with this status (Running, Succeeded, CompletedWithErrors, Failed, Interrupted)." };
var limit = CommandLineValues.Count("--limit", "How many at most", 20, minimum: 1);
var runs = new Command("runs", "List recent runs, newest first.") { linkFilter, statusFilter, limit };
runs.SetAction((parse, token) => Guard(parse, () => RunQueryCommands.ListAsync(parse.GetValue(db), parse.GetValue(linkFilter), parse.GetValue(statusFilter), parse.GetValue(limit), parse.GetValue(json), token)));

var runId = CommandLineValues.Id("run-id", "The run's number (see `resync runs`).", "run id");
var records = new Option<string?>("--records") { Description = "Also list kept records: failed, ignored, succeeded or all (with before/after snapshots)." };
var recordLimit = CommandLineValues.Count("--limit", "How many records at most", 20, minimum: 1);
var recordOffset = CommandLineValues.Count("--offset", "How many matching records to skip first", 0, minimum: 0);
var show = new Command("show", "Show a run's summary: counts, system and batch errors, record errors grouped, and records.") { runId, records, recordLimit, recordOffset };
show.SetAction((parse, token) => Guard(parse, () => RunQueryCommands.ShowAsync(parse.GetValue(db), parse.GetValue(runId), parse.GetValue(records), parse.GetValue(recordLimit), parse.GetValue(recordOffset), parse.GetValue(json), token)));

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
// COLUMNS, as for other terminal tools: the width to lay out for (a pipe, a narrow log viewer, the tests at 80 and 120).
if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns >= 40)
    AnsiConsole.Profile.Width = columns;

var retryRun = CommandLineValues.Id("run-id", "The run whose failures to retry (any run of a chain).", "run id");
var retryGroup = new Option<int?>("--group") { Description = "Only this error group (its number in `resync show`)." };
var retryForce = new Option<bool>("--force") { Description = "Retry even a run whose chain has resolved (its failures are written again)." };
var definition = new Option<string?>("--definition")
{
    Description = "current (default): the link's definition now, its file read again; original: the one the run ran with.",
    HelpName = "current|original",
};
definition.AcceptOnlyFromAmong(DefinitionChoice.Current, DefinitionChoice.Original);
var retry = new Command("retry", "Retry Failures: a Retry run with the run's failed batches (fetched again) and failed records (from snapshots).") { retryRun, retryGroup, retryForce, definition };
retry.SetAction((parse, token) => Guard(parse, () => RetryCommand.RunAsync(parse.GetValue(db), parse.GetValue(retryRun), parse.GetValue(retryGroup), parse.GetValue(json), parse.GetValue(retryForce),
    DefinitionChoice.IsOriginal(parse.GetValue(definition)), token)));

var incompleteIds = CommandLineValues.Ids("ids", "Incomplete run ids.", "incomplete run id");
var incompleteAll = new Option<bool>("--all") { Description = "Every open incomplete run (list: also resolved and discarded ones)." };
var incompleteList = new Command("list", "List incomplete runs (open ones by default).") { incompleteAll };
incompleteList.SetAction((parse, token) => Guard(parse, () => IncompleteCommands.ListAsync(parse.GetValue(db), parse.GetValue(incompleteAll), parse.GetValue(json), token)));
var incompleteId = CommandLineValues.Id("id", "The incomplete run's id (see `resync incomplete list`).", "incomplete run id");
var incompleteLimit = CommandLineValues.Count("--limit", "How many records at most", 50, minimum: 1);
var incompleteOffset = CommandLineValues.Count("--offset", "How many records to skip first", 0, minimum: 0);
var incompleteShow = new Command("show", "Show an incomplete run: why it stopped and the records in it, a page at a time.") { incompleteId, incompleteLimit, incompleteOffset };
incompleteShow.SetAction((parse, token) => Guard(parse, () => IncompleteCommands.ShowAsync(parse.GetValue(db), parse.GetValue(incompleteId), parse.GetValue(incompleteLimit),
    parse.GetValue(incompleteOffset), parse.GetValue(json), token)));
var incompleteRetry = new Command("retry", "Retry incomplete runs now (their records as edited, then the pages never read).") { incompleteIds, incompleteAll, definition };
incompleteRetry.SetAction((parse, token) => Guard(parse, () => IncompleteCommands.RetryAsync(parse.GetValue(db), parse.GetValue(incompleteIds) ?? [], parse.GetValue(incompleteAll), parse.GetValue(json),
    DefinitionChoice.IsOriginal(parse.GetValue(definition)), token)));
var editBatch = new Option<int>("--batch") { Description = "The record's batch (see `resync incomplete show` or `resync show RUN --records failed`).", Required = true };
var editPosition = new Option<int>("--position") { Description = "The record's position in its batch.", Required = true };
var editSet = new Option<string[]>("--set") { Description = "field=value (repeatable).", AllowMultipleArgumentsPerToken = false };
var editUnset = new Option<string[]>("--unset") { Description = "A field to remove (repeatable)." };
var incompleteEdit = new Command("edit", "Change a record's values in an incomplete run; the next retry writes them.") { incompleteId, editBatch, editPosition, editSet, editUnset };
incompleteEdit.SetAction((parse, token) => Guard(parse, () => IncompleteCommands.EditAsync(parse.GetValue(db), parse.GetValue(incompleteId), parse.GetValue(editBatch), parse.GetValue(editPosition),
    parse.GetValue(editSet) ?? [], parse.GetValue(editUnset) ?? [], parse.GetValue(json), token)));
var discardReason = new Option<string?>("--reason") { Description = "Why (kept in the run's history)." };
var incompleteDiscard = new Command("discard", "Discard incomplete runs: their remainder will not be processed.") { incompleteIds, incompleteAll, discardReason };
incompleteDiscard.SetAction((parse, token) => Guard(parse, () => IncompleteCommands.DiscardAsync(parse.GetValue(db), parse.GetValue(incompleteIds) ?? [], parse.GetValue(incompleteAll), parse.GetValue(discardReason), parse.GetValue(json), token)));
var incomplete = new Command("incomplete", "The remainders of runs that stopped partway: list, show, retry, edit, discard.")
{
    incompleteList, incompleteShow, incompleteRetry, incompleteEdit, incompleteDiscard,
};

var editRun = CommandLineValues.Id("run-id", "The run whose failed record to change (see `resync show RUN --records failed`).", "run id");
var edit = new Command("edit", "Change a failed record's values by hand; the run's next `resync retry` writes them.") { editRun, editBatch, editPosition, editSet, editUnset };
edit.SetAction((parse, token) => Guard(parse, () => EditCommand.RunAsync(parse.GetValue(db), parse.GetValue(editRun), parse.GetValue(editBatch), parse.GetValue(editPosition),
    parse.GetValue(editSet) ?? [], parse.GetValue(editUnset) ?? [], parse.GetValue(json), token)));

var links = new Command("links", "List links with their state, last successful sync (watermark) and failures in a row.");
links.SetAction((parse, token) => Guard(parse, () => LinksCommand.ListAsync(parse.GetValue(db), parse.GetValue(json), token)));

var referenceUpdate = new Option<string?>("--update") { Description = "Rewrite the generated part of this Markdown file (between its reference markers) instead of printing." };
var reference = new Command("reference", "Print the link-file reference (every key of every source, target and step) as Markdown.") { referenceUpdate };
reference.SetAction(parse => Guard(parse, async () =>
{
    var text = Resync.LinkFiles.LinkReference.Write(Resync.Connectors.BuiltInConnectors.CreateCatalog());
    if (parse.GetValue(referenceUpdate) is not { } file)
    {
        if (parse.GetValue(json))
            return JsonOutput.Write(new { markdown = text });
        await Console.Out.WriteAsync(text);
        return ExitCodes.Succeeded;
    }
    try
    {
        await File.WriteAllTextAsync(file, Resync.LinkFiles.LinkReference.Splice(await File.ReadAllTextAsync(file), text));
    }
    catch (Exception exception) when (exception is ArgumentException or IOException or UnauthorizedAccessException)
    {
        throw new CliException(ExitCodes.Usage, $"{file}: {exception.Message}");
    }
    return parse.GetValue(json) ? JsonOutput.Write(new { updated = file }) : ExitCodes.Succeeded;
}));

var urls = new Option<string?>("--urls") { Description = "Where the server listens (default: $ASPNETCORE_URLS, else http://127.0.0.1:5080)." };
var linksFolder = new Option<string?>("--links") { Description = "A folder of link files to load and watch." };
var allowLoopback = new Option<bool>("--allow-loopback") { Description = "Let links, webhooks and push callbacks connect to loopback and this machine's own addresses (off: outbound network policy)." };
var allowPrivate = new Option<bool>("--allow-private-networks") { Description = "Let links, webhooks and push callbacks connect to private and link-local networks (off: outbound network policy)." };
var allowNetwork = new Option<string[]>("--allow-network") { Description = "A range links, webhooks and push callbacks may connect to whatever the policy says, e.g. 10.20.0.0/16 (repeatable)." };
var settingsFile = new Option<string?>("--config") { Description = "A settings file (JSON); default: appsettings.json in the current folder, if there. See docs/configuration.md." };
var dataFolder = new Option<string?>("--data") { Description = "The folder of the tenants' data folders (files of links from the API stay in theirs). Default: 'data' beside the state file." };
var allowFiles = new Option<string[]>("--allow-files") { Description = "A folder links from the API may also reach by absolute path (repeatable); never the state file or key ring." };
var keyRingCertificate = new Option<string?>("--key-ring-certificate")
{
    Description = "A PFX certificate that encrypts the key ring at rest (password in RESYNC_KEY_RING_CERTIFICATE_PASSWORD). Without it the keys are stored in clear.",
};
var shutdownTimeout = new Option<int?>("--shutdown-timeout") { Description = "Seconds a stop (SIGTERM, Ctrl+C) waits for runs to finish their current batches (default 30)." };
var broker = new Option<string?>("--broker") { Description = "Cluster mode: the RabbitMQ broker batches go through to `resync worker`s (default: $RESYNC_BROKER), amqp://user:password@host:5672/vhost. Needs --state postgres://…" };
var serve = new Command("serve", "Run the server: REST API, push endpoint and scheduler, on the state file.")
{
    urls, linksFolder, allowLoopback, allowPrivate, allowNetwork, settingsFile, dataFolder, allowFiles, keyRingCertificate, shutdownTimeout, broker,
};
ServeSettings.Flags ServeFlags(ParseResult parse) => new(parse.GetValue(urls), parse.GetValue(linksFolder), parse.GetValue(allowLoopback), parse.GetValue(allowPrivate),
    parse.GetValue(allowNetwork), parse.GetValue(dataFolder), parse.GetValue(allowFiles), parse.GetValue(keyRingCertificate), parse.GetValue(shutdownTimeout), parse.GetValue(broker));
serve.SetAction((parse, token) => Guard(parse, () =>
{
    var (options, configuration) = ServeSettings.Load(parse.GetValue(settingsFile), parse.GetValue(db), ServeFlags(parse));
    return ServeCommand.RunAsync(options, configuration, parse.GetValue(json), token);
}));
var worker = WorkerCommand.Create(ServeFlags, [linksFolder, allowLoopback, allowPrivate, allowNetwork, settingsFile, dataFolder, allowFiles, keyRingCertificate, shutdownTimeout, broker],
    db, json, settingsFile, Guard);

var keyTenant = new Option<string?>("--tenant") { Description = "The tenant the key is limited to." };
var keyOperator = new Option<bool>("--operator") { Description = "A key for every tenant (operators)." };
var keyName = new Option<string>("--name") { Description = "What the key is for.", DefaultValueFactory = _ => "" };
var keysCreate = new Command("create", "Create an API key; it is printed once.") { keyTenant, keyOperator, keyName };
keysCreate.SetAction((parse, token) => Guard(parse, () => KeyCommands.CreateAsync(parse.GetValue(db), parse.GetValue(keyTenant), parse.GetValue(keyOperator), parse.GetValue(keyName)!, parse.GetValue(json), token)));
var keysList = new Command("list", "List API keys (prefixes, scopes; never the keys).");
keysList.SetAction((parse, token) => Guard(parse, () => KeyCommands.ListAsync(parse.GetValue(db), parse.GetValue(json), token)));
var keyPrefix = new Argument<string>("prefix") { Description = "The key's prefix, e.g. rsk_3fa9c2d1." };
var keysRevoke = new Command("revoke", "Revoke an API key.") { keyPrefix };
keysRevoke.SetAction((parse, token) => Guard(parse, () => KeyCommands.RevokeAsync(parse.GetValue(db), parse.GetValue(keyPrefix)!, parse.GetValue(json), token)));
var keys = new Command("keys", "API keys of the server.") { keysCreate, keysList, keysRevoke };

var breakerServer = new Option<string>("--server")
{
    Description = "The running server's address (default: $RESYNC_SERVER, else http://127.0.0.1:5080). The API key is read from $RESYNC_API_KEY.",
    DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RESYNC_SERVER") ?? "http://127.0.0.1:5080",
};
var breakers = new Command("breakers", "Show the circuit breakers of a running server: each connection (host or database) its links call, closed, open or probing.") { breakerServer };
breakers.SetAction((parse, token) => Guard(parse, () => BreakersCommand.ListAsync(parse.GetValue(breakerServer)!, parse.GetValue(json), token)));

var root = new RootCommand("Resync: an integration engine whose defining feature is error handling and recovery.") { db, json, run, demo, runs, show, retry, edit, incomplete, links, reference, serve, worker, keys, breakers };
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
    return await UsageErrors.ReportAsync(parsed, parsed.GetValue(json));
// The server and the worker handle SIGTERM and SIGINT themselves, through its host (see SignalLifetime); other commands cancel on them.
return await parsed.InvokeAsync(parsed.CommandResult.Command == serve || parsed.CommandResult.Command == worker ? new InvocationConfiguration { ProcessTerminationTimeout = null } : null);

async Task<int> Guard(ParseResult parse, Func<Task<int>> command)
{
    var asJson = parse.GetValue(json);
    try
    {
        return await command();
    }
    catch (CliException exception)
    {
        return await ErrorOutput.WriteAsync(asJson, exception.ExitCode, exception.Message, exception.Hint, exception.Problems);
    }
    catch (OperationCanceledException)
    {
        return await ErrorOutput.WriteAsync(asJson, ExitCodes.Failed, "Cancelled.");
    }
    catch (Resync.Core.Errors.ResyncException exception)
    {
        // A fault that knows what it is (the state store's disk full, say): its message and hint, not "unexpected".
        return await ErrorOutput.WriteAsync(asJson, ExitCodes.Failed, $"{exception.Classification.Code}: {exception.Message}", exception.Classification.Hint);
    }
    catch (Exception exception) when (Environment.GetEnvironmentVariable("RESYNC_DEBUG") is null)
    {
        return await ErrorOutput.WriteAsync(asJson, ExitCodes.Failed, $"{exception.GetType().Name}: {exception.Message}",
            "this is unexpected; set RESYNC_DEBUG=1 to see the stack trace, and report it.");
    }
}
