using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Recovery;

namespace Resync.LinkFiles;

/// <summary>The keys of a link file outside its components (which bring their own).</summary>
public static class LinkSchema
{
    public static ConfigSchema Schedule { get; } = new(
        new KeySpec("cron", ValueKind.Text, "A cron expression (5 fields: minute hour day-of-month month day-of-week), e.g. '0 2 * * *'.") { Required = true },
        new KeySpec("timeZone", ValueKind.Text, "The IANA time zone its hours are read in, e.g. Europe/Zurich.") { Default = "UTC" });

    public static ConfigSchema Trigger { get; } = new(
        new KeySpec("schedule", ValueKind.Section, "When to run: { cron, timeZone }, or a cron expression alone (UTC), e.g. '*/15 * * * *'.") { Nested = Schedule, Shorthand = "cron" },
        new KeySpec("interval", ValueKind.Duration, "Run every so often, e.g. 10m."),
        new KeySpec("manual", ValueKind.Boolean, "Can be started by hand (CLI, API).") { Default = "true" },
        new KeySpec("push", ValueKind.Boolean, "Records are pushed to the link's push endpoint.") { Default = "false" });

    public static ConfigSchema Replay { get; } = new(
        new KeySpec("enabled", ValueKind.Boolean, "Re-process failed records in Replay runs after each run.") { Default = "false" },
        new KeySpec("maxAttempts", ValueKind.Integer, "How many Replay runs at most.") { Default = "3" },
        new KeySpec("includeDurable", ValueKind.Boolean, "Also replay records whose errors are durable (they fail the same way until the record or the target is fixed).") { Default = "false" },
        new KeySpec("delays", ValueKind.TextList, "The wait before each replay; the last repeats. 0s replays at once.") { Default = Durations(LinkSettings.DefaultReplayDelays) });

    public static ConfigSchema Retry { get; } = new(
        new KeySpec("attempts", ValueKind.Integer, "Attempts of one source/target call (HTTP request, SQL page read or batch write) for ephemeral errors; 1: no retry. File connectors make one.") { Default = "3" },
        new KeySpec("delay", ValueKind.Duration, "Base delay between attempts (exponential, jittered, at most 30s).") { Default = "1s" });

    /// <summary>The keys of one error type's policy.</summary>
    public static ConfigSchema ErrorPolicy { get; } = new(
        new KeySpec("attempts", ValueKind.Integer, "Writes of a failed record to the target within the run, the first included (a source's calls retry on their own: see retry; steps are not retried).") { Default = ErrorTypePolicy.DefaultAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        new KeySpec("delays", ValueKind.TextList, "The wait before each further write; the last repeats. 0s writes again at once.") { Default = Durations(ErrorTypePolicy.DefaultDelays) },
        new KeySpec("then", ValueKind.Text, "Once the attempts are used up: fail (record error), park (kept as incomplete and retried as an incomplete run), ignore (with reason), stop (the run; its remainder parked) or deactivate (stop, and deactivate the link).")
        {
            Default = "the type's built-in handling",
            Allowed = [.. Enum.GetValues<ErrorAction>().Select(Core.Policies.ErrorPolicies.Name)],
        },
        new KeySpec("reason", ValueKind.Text, "Why records are ignored, shown with each (required with then: ignore)."));

    /// <summary>One section per error type; a type not listed keeps its built-in handling (the default shown).</summary>
    public static ConfigSchema ErrorPolicies { get; } = new(
        [.. Enum.GetValues<ErrorType>().Select(type => new KeySpec(type.ToString(), ValueKind.Section, $"What to do with {type} errors.")
        {
            Default = Core.Policies.ErrorPolicies.DefaultHandling(type),
            Nested = ErrorPolicy,
        })]);

    public static ConfigSchema Settings { get; } = new(
        new KeySpec("batchSize", ValueKind.Integer, "Records per page/batch asked of the source.") { Default = "1000" },
        new KeySpec("parallelism", ValueKind.Integer, "Batches processed at once.") { Default = "the processor count" },
        new KeySpec("loggingLevel", ValueKind.Text, "Which records keep before/after snapshots.") { Default = "errors", Allowed = ["none", "errors", "all"] },
        new KeySpec("logRecordValues", ValueKind.Boolean, "Put record keys and error messages (which may quote values) into log events.") { Default = "false" },
        new KeySpec("automatedReplay", ValueKind.Section, "Automated replay of failed records.") { Nested = Replay },
        new KeySpec("storeIncompleteRuns", ValueKind.Boolean, "Park the unprocessed remainder of a stopped run.") { Default = "true" },
        new KeySpec("sequentialProcessing", ValueKind.Boolean, "Batches one at a time, in order; the first data error stops the link.") { Default = "false" },
        new KeySpec("maxConsecutiveErrors", ValueKind.Integer, "Failed runs in a row before the link is deactivated: runs stopped by a Runtime/IncompleteData error or that got nothing through (every batch, or every record, failed with non-data errors).") { Default = "3 (1 for push links)" },
        new KeySpec("staleProtection", ValueKind.Boolean, "Before a retried record is written, use the source's current version of it (sources that fetch by key).") { Default = "true" },
        new KeySpec("backoff", ValueKind.TextList, "Delays between attempts after an ephemeral failure; the link is deactivated after the last.") { Default = "[1m, 2m, 5m, 10m, 1h, 3h, 12h, 24h]" },
        new KeySpec("retry", ValueKind.Section, "Retry of single source/target calls, for every connector that makes calls (HTTP, PostgreSQL, SQLite).") { Nested = Retry },
        new KeySpec("errorTypes", ValueKind.TextMap, "Error codes re-mapped to another type, e.g. HTTP_500: Connection."),
        new KeySpec(Core.Policies.ErrorPolicies.SettingsKey, ValueKind.Section, "What the link does with each error type: retry within the run, then fail, park, ignore, stop or deactivate.") { Nested = ErrorPolicies });

    /// <summary>The top-level keys. <c>source</c>, <c>target</c> and <c>steps</c> are checked against the catalog.</summary>
    public static ConfigSchema Root { get; } = new(
        new KeySpec("name", ValueKind.Text, "The link's unique name (letters, digits, '-', '_', '.').") { Required = true },
        new KeySpec("tenant", ValueKind.Text, "The customer the link belongs to.") { Default = "default" },
        new KeySpec("description", ValueKind.Text, "Free text."),
        new KeySpec("source", ValueKind.Section, "Where records come from; 'type' picks the connector.") { Required = true },
        new KeySpec("steps", ValueKind.Section, "The steps every record passes, in order."),
        new KeySpec("target", ValueKind.Section, "Where records go; 'type' picks the connector.") { Required = true },
        new KeySpec("errorTarget", ValueKind.Section, "A dead-letter output: any target, given every failed record with its error, snapshot, run, batch and attempt (see docs/errors.md)."),
        new KeySpec("trigger", ValueKind.Section, "When the link runs.") { Nested = Trigger },
        new KeySpec("settings", ValueKind.Section, "Run settings.") { Nested = Settings },
        new KeySpec("logging", ValueKind.Section, "Log sinks of the link's own, receiving its tenant's events only (see docs/observability.md).") { Nested = LinkLoggingSection.Schema },
        new KeySpec("alerts", ValueKind.Section, "Alert routes for this link's alerts, delivered by the server: a list of { name, webhook | chat | email, kinds, holdDuringRecovery, recoveredNote, secret } (see docs/links.md)."));

    /// <summary>The keys of one route of the <c>alerts:</c> section; exactly one of webhook, chat and email.</summary>
    public static ConfigSchema AlertRoute { get; } = new(
        new KeySpec("name", ValueKind.Text, "The route's name, unique within the link (shown with its deliveries).") { Required = true },
        new KeySpec("webhook", ValueKind.Text, "An http or https URL given the signed JSON body (Standard Webhooks)."),
        new KeySpec("chat", ValueKind.Text, "A Slack-compatible incoming-webhook URL (Slack, Mattermost, Rocket.Chat)."),
        new KeySpec("email", ValueKind.TextList, $"Up to {AlertDestinations.MaxRecipients} e-mail addresses, sent through the server's SMTP server."),
        new KeySpec("kinds", ValueKind.TextList, $"Only these alert kinds: {string.Join(", ", AlertKinds.All)}.") { Default = "all" },
        new KeySpec("holdDuringRecovery", ValueKind.Boolean, "Hold the alerts raised during automated replay or the backoff schedule: one digest if the recovery fails, nothing if it succeeds.") { Default = "true" },
        new KeySpec("recoveredNote", ValueKind.Boolean, "Send a 'recovered' note when a recovery whose alerts were held got through.") { Default = "false" },
        new KeySpec("secret", ValueKind.Text, "The webhook's signing secret (whsec_ and base64); without it the server makes one.") { Default = "made by the server" });

    /// <summary>The most routes one link declares.</summary>
    public const int MaxAlertRoutes = 20;

    /// <summary>The key every source and target section starts with.</summary>
    public static KeySpec Type { get; } = new("type", ValueKind.Text, "The connector.") { Required = true };

    /// <summary>Delays as a link file writes them: [5s, 30s, 2m].</summary>
    private static string Durations(IEnumerable<TimeSpan> delays) =>
        $"[{string.Join(", ", delays.Select(delay => delay.TotalHours is >= 1 and var h && h % 1 == 0 ? $"{h:0}h"
            : delay.TotalMinutes is >= 1 and var m && m % 1 == 0 ? $"{m:0}m" : $"{delay.TotalSeconds:0}s"))}]";

    /// <summary>The optional key every step has.</summary>
    public static KeySpec StepName { get; } = new("name", ValueKind.Text, "The step's name in errors (default: kind(field)).");

    /// <summary>What every step does with a record it fails.</summary>
    public static KeySpec StepOnError { get; } = new("onError", ValueKind.Text,
        "What the step does with a record it fails: fail it (the link's error policy then applies), ignore it, let it go on with a warning, or put `default` in its field with a warning.")
    {
        Default = "fail",
        Allowed = [.. Enum.GetValues<Core.Steps.StepOnError>().Select(mode => mode.ToString().ToLowerInvariant())],
    };

    /// <summary>The fallback value of <see cref="StepOnError"/> default.</summary>
    public static KeySpec StepDefault { get; } = new("default", ValueKind.Scalar, "The value put in the step's field when it fails a record (onError: default); it passes through the step like any value.");
}
