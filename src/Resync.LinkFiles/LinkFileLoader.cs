using System.Text.RegularExpressions;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Policies;
using Resync.Core.Recovery;
using Resync.Core.Scheduling;
using Resync.Core.Sdk;
using Resync.Core.Steps;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Resync.LinkFiles;

/// <summary>
/// Reads a link file, checks every key against the schema of the link and of its components, and builds
/// the link. Reports every problem at once, each with file, line and column; builds nothing when any is found.
/// </summary>
/// <param name="catalog">The component types.</param>
/// <param name="environment">Where <c>${env:…}</c> values come from (default: the process environment).</param>
/// <param name="trust">What the link may reach (default: everything, as for the CLI).</param>
public sealed partial class LinkFileLoader(ComponentCatalog catalog, Func<string, string?>? environment = null, ILinkTrust? trust = null)
{
    private static readonly HashSet<string> ComponentKeys = ["source", "target", "errorTarget", "steps", "alerts"];
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;
    private readonly ILinkTrust _trust = trust ?? FullTrust.Instance;

    /// <summary>Loads a link file from disk; relative paths in it resolve against its folder.</summary>
    public LinkFileResult Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            var what = exception is FileNotFoundException or DirectoryNotFoundException ? "the link file does not exist" : $"the link file cannot be read: {exception.Message}";
            return new LinkFileResult(null, [new LinkFileProblem(path, 1, 1, what)]);
        }
        return Parse(text, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".");
    }

    /// <summary>Loads a link from YAML text.</summary>
    public LinkFileResult Parse(string yaml, string file, string baseDirectory)
    {
        var problems = new List<LinkFileProblem>();
        var reader = new SectionReader(file, baseDirectory, problems, _environment, _trust);
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        }
        catch (YamlException exception)
        {
            reader.Report(exception.Start, $"not valid YAML: {Inner(exception).Message}");
            return new LinkFileResult(null, problems);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (not a YamlException) on some malformed flow mappings, e.g. "key:"x" { a: b }".
            reader.Report(Mark.Empty, "not valid YAML: the document could not be read; check its quotes, braces and brackets");
            return new LinkFileResult(null, problems);
        }
        catch (ArgumentException)
        {
            // YamlDotNet decodes "\ud800\ud800" in a double-quoted string as a surrogate pair and throws on the second half.
            reader.Report(Mark.Empty, "not valid YAML: an escape in a double-quoted string names no character (e.g. a lone \\ud800 surrogate); use the character itself or a valid pair");
            return new LinkFileResult(null, problems);
        }
        if (root is not YamlMappingNode mapping)
        {
            reader.Report(root, $"a link file is a section of keys (name, source, steps, target, trigger, settings), found {SectionReader.Describe(root)}");
            return new LinkFileResult(null, problems);
        }

        // Components bring their own keys: read the rest first, then each component against its descriptor.
        var config = reader.Read(mapping, "link", LinkSchema.Root, ComponentKeys);
        var name = config.Text("name");
        if (name is not null && !NamePattern().IsMatch(name))
            config.Problem("name", $"'{name}' is not a valid link name: use letters, digits, '-', '_' and '.'");

        // Settings first: components may take theirs from them (e.g. the retry of single calls).
        var settings = Settings(config.Section("settings"));
        var context = new ComponentContext(name ?? "link") { Settings = settings, Tenant = _trust.Tenant ?? config.Text("tenant", Tenants.Default) };
        var source = Component(reader, mapping, "source", catalog.Sources, context);
        var target = Component(reader, mapping, "target", catalog.Targets, context);
        // (An error target is a target: the server's rules for target types apply to it alike.)
        var errorTarget = Component(reader, mapping, "errorTarget", catalog.Targets, context, trustSection: "target");
        var steps = Steps(reader, mapping, context);
        var trigger = Trigger(config.Section("trigger"));
        var alerts = Alerts(reader, mapping);
        var logging = LinkLoggingSection.Read(config.Section("logging"));
        foreach (var key in new[] { "source", "target" })
        {
            if (!mapping.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == key))
                reader.Report(mapping, $"link: the required key '{key}' is missing ({LinkSchema.Root.Find(key)!.Description})");
        }

        if (problems.Count > 0 || source is null || target is null || name is null)
            return new LinkFileResult(null, problems);
        var classifier = context.Classifiers.Aggregate(ErrorClassifier.Default, (all, one) => all.With(one));
        var link = new Link(name, source, steps, target, settings, config.Text("tenant", Tenants.Default))
        {
            Classifier = classifier,
            Trigger = trigger,
            ErrorTarget = errorTarget,
            AlertRoutes = alerts,
            Logging = logging,
        };
        return new LinkFileResult(link, problems);
    }

    private T? Component<T>(SectionReader reader, YamlMappingNode root, string key, IReadOnlyDictionary<string, ComponentDescriptor<T>> registry, ComponentContext context,
        string? trustSection = null)
        where T : class
    {
        var node = root.Children.FirstOrDefault(pair => pair.Key is YamlScalarNode { Value: var k } && k == key).Value;
        if (node is null)
            return null;
        if (node is not YamlMappingNode section)
        {
            reader.Report(node, $"{key}: expected a section with 'type' and its settings, found {SectionReader.Describe(node)}");
            return null;
        }
        var typeNode = section.Children.FirstOrDefault(pair => pair.Key is YamlScalarNode { Value: "type" }).Value as YamlScalarNode;
        var type = typeNode?.Value;
        if (string.IsNullOrEmpty(type))
        {
            reader.Report(section, $"{key}: the required key 'type' is missing; allowed types: {string.Join(", ", registry.Keys)}");
            ReportUnknownKeys(reader, section, key, registry);
            return null;
        }
        if (!registry.TryGetValue(type, out var descriptor))
        {
            reader.Report(typeNode, $"{key}.type: unknown {key} type '{type}'{Suggestions.DidYouMean(type, registry.Keys)}; allowed: {string.Join(", ", registry.Keys)}");
            return null;
        }
        if (_trust.RefuseType(trustSection ?? key, type) is { } refusal)
        {
            reader.Report(typeNode, $"{key}.type: {refusal}");
            return null;
        }
        return Build(reader, section, $"{key}.{type}", descriptor.Schema.With(LinkSchema.Type), descriptor.Create, context, key);
    }

    /// <summary>
    /// Without a type the section's keys cannot be checked against one schema: report those no type has, so that a type
    /// written as a key (<c>source: { htpp: {} }</c>) is named with the type it is nearest to.
    /// </summary>
    private static void ReportUnknownKeys<T>(SectionReader reader, YamlMappingNode section, string key, IReadOnlyDictionary<string, ComponentDescriptor<T>> registry)
        where T : class
    {
        var known = registry.Values.SelectMany(d => d.Schema.Keys.Select(k => k.Name)).ToHashSet();
        foreach (var (child, _) in section.Children)
        {
            if (child is not YamlScalarNode { Value: { } name } || name == "type" || known.Contains(name))
                continue;
            var asType = Suggestions.DidYouMean(name, registry.Keys);
            var hint = asType.Length > 0 ? asType.Replace("did you mean '", "did you mean 'type: ", StringComparison.Ordinal) : Suggestions.DidYouMean(name, known);
            reader.Report(child, $"unknown key '{name}' in {key}{hint}");
        }
    }

    private List<IStep> Steps(SectionReader reader, YamlMappingNode root, ComponentContext context)
    {
        var steps = new List<IStep>();
        if (List(reader, root, "steps", "steps (e.g. '- validate: { field: email, required: true }')") is not { } sequence)
            return steps;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (item is not YamlMappingNode { Children.Count: 1 } single || single.Children.First().Key is not YamlScalarNode { Value: { } kind })
            {
                reader.Report(item, $"steps[{i}]: expected one step kind with its settings (e.g. '- filter: {{ ... }}'); kinds: {string.Join(", ", catalog.Steps.Keys)}");
                continue;
            }
            var kindNode = single.Children.First().Key;
            if (!catalog.Steps.TryGetValue(kind, out var descriptor))
            {
                reader.Report(kindNode, $"steps[{i}]: unknown step '{kind}'{Suggestions.DidYouMean(kind, catalog.Steps.Keys)}; kinds: {string.Join(", ", catalog.Steps.Keys)}");
                continue;
            }
            if (_trust.RefuseType("steps", kind) is { } refusal)
            {
                reader.Report(kindNode, $"steps[{i}].{kind}: {refusal}");
                continue;
            }
            var create = descriptor.Create;
            if (Build(reader, single.Children.First().Value, $"steps[{i}].{kind}", descriptor.Schema.With(LinkSchema.StepName, LinkSchema.StepOnError, LinkSchema.StepDefault),
                    (config, built) => WithOnError(create(config, built), config), context, $"steps[{i}]") is { } step)
                steps.Add(step);
        }
        return steps;
    }

    /// <summary>The list under a top-level key; null when it is absent, empty, or not a list (reported, with an example of <paramref name="items"/>).</summary>
    private static YamlSequenceNode? List(SectionReader reader, YamlMappingNode root, string key, string items)
    {
        var node = root.Children.FirstOrDefault(pair => pair.Key is YamlScalarNode { Value: var k } && k == key).Value;
        if (node is null || node is YamlScalarNode { Value: null or "" })
            return null;
        if (node is not YamlSequenceNode sequence)
        {
            reader.Report(node, $"{key}: expected a list of {items}, found {SectionReader.Describe(node)}");
            return null;
        }
        return sequence;
    }

    /// <summary>The <c>alerts:</c> section: a list of routes, each checked at its keys' lines (destination, kinds, the server's network policy).</summary>
    private List<LinkAlertRoute> Alerts(SectionReader reader, YamlMappingNode root)
    {
        var routes = new List<LinkAlertRoute>();
        if (List(reader, root, "alerts", "routes (e.g. '- { name: ops, webhook: https://alerts.example.com/resync }')") is not { } sequence)
            return routes;
        if (sequence.Children.Count > LinkSchema.MaxAlertRoutes)
            reader.Report(sequence.Children[LinkSchema.MaxAlertRoutes], $"alerts: a link declares at most {LinkSchema.MaxAlertRoutes} routes; found {sequence.Children.Count}");
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var before = reader.Problems.Count;
            var config = reader.Read(sequence.Children[i], $"alerts[{i}]", LinkSchema.AlertRoute);
            if (AlertRoute(config) is { } route && reader.Problems.Count == before)
            {
                if (names.Add(route.Name))
                    routes.Add(route);
                else
                    config.Problem("name", $"another route of this link is named '{route.Name}' already; give each route its own name");
            }
        }
        return routes;
    }

    private LinkAlertRoute? AlertRoute(ConfigSection config)
    {
        var destinations = new[] { "webhook", "chat", "email" }.Where(config.Has).ToList();
        if (destinations.Count != 1)
        {
            config.Problem(destinations.Count == 0 ? null : destinations[1], destinations.Count == 0
                ? "give the route one destination: webhook (a URL), chat (a Slack-compatible webhook URL) or email (addresses)"
                : $"give one destination per route; found {string.Join(" and ", destinations)}");
            return null;
        }
        var kinds = config.TextList("kinds") ?? [];
        foreach (var kind in kinds.Where(kind => !AlertKinds.All.Contains(kind, StringComparer.Ordinal)))
            config.Problem("kinds", $"'{kind}' is not an alert kind{Suggestions.DidYouMean(kind, AlertKinds.All)}; allowed: {string.Join(", ", AlertKinds.All)}");
        var key = destinations[0];
        string format, url;
        if (key == "email")
        {
            var addresses = config.TextList("email")!;
            if (addresses.Count is 0 or > AlertDestinations.MaxRecipients)
                config.Problem(key, $"give 1 to {AlertDestinations.MaxRecipients} addresses; found {addresses.Count}");
            foreach (var address in addresses.Where(address => !AlertDestinations.IsEmailAddress(address)))
                config.Problem(key, $"'{address}' is not an e-mail address (one address per item, e.g. ops@example.com)");
            (format, url) = (AlertDestinations.Email, AlertDestinations.MailTo(addresses));
        }
        else
        {
            var (web, problem) = AlertDestinations.WebUrl(config.Text(key)!);
            if (problem is not null)
            {
                config.Problem(key, problem);
                return null;
            }
            (format, url) = (key == "chat" ? AlertDestinations.Slack : AlertDestinations.Webhook, web!.AbsoluteUri);
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var destination) && _trust.RefuseAlertDestination(destination) is { } refusal)
            config.Problem(key, refusal);
        var secret = config.Text("secret");
        if (secret is not null && format != AlertDestinations.Webhook)
            config.Problem("secret", $"only a webhook route is signed; a {key} route takes no 'secret'");
        else if (secret is not null && !AlertDestinations.IsSecret(secret))
            config.Problem("secret", $"a signing secret is '{AlertDestinations.SecretPrefix}' and the base64 of at least 24 random bytes");
        if (config.Text("name") is not { } name)
            return null; // required: the reader has said so
        return new LinkAlertRoute(name, format, url)
        {
            Kinds = [.. kinds.Distinct(StringComparer.Ordinal)],
            HoldDuringRecovery = config.Boolean("holdDuringRecovery", true),
            RecoveredNote = config.Boolean("recoveredNote", false),
            Secret = secret,
        };
    }

    /// <summary>Wraps a step in its <c>onError</c> handling, when it has one other than fail.</summary>
    private static IStep WithOnError(IStep step, ConfigSection config)
    {
        var onError = Enum.Parse<StepOnError>(config.Text(LinkSchema.StepOnError.Name, nameof(StepOnError.Fail)), ignoreCase: true);
        var fallback = config.Text(LinkSchema.StepDefault.Name);
        var field = config.Text("field");
        if (onError == StepOnError.Default && fallback is null)
            config.Problem(LinkSchema.StepOnError.Name, "onError: default needs a 'default' value, put in the field when the step fails a record");
        else if (onError == StepOnError.Default && field is null)
            config.Problem(LinkSchema.StepOnError.Name, "onError: default needs a step with a 'field' to put the default in; use ignore or warn here");
        else if (onError != StepOnError.Default && fallback is not null)
            config.Problem(LinkSchema.StepDefault.Name, "'default' is only used with onError: default");
        return onError == StepOnError.Fail ? step : new OnErrorStep(step, onError, field, fallback);
    }

    private static T? Build<T>(SectionReader reader, YamlNode node, string path, ConfigSchema schema, ComponentFactory<T> create, ComponentContext context, string where)
        where T : class
    {
        var before = reader.Problems.Count;
        var config = reader.Read(node, path, schema);
        if (reader.Problems.Count > before)
            return null;
        try
        {
            var built = create(config, context);
            return reader.Problems.Count > before ? null : built;
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException or InvalidOperationException)
        {
            reader.Report(node, $"{where}: {exception.Message}");
            return null;
        }
    }

    /// <param name="zeroAllowed">Whether 0s (at once) is a delay here.</param>
    private static IReadOnlyList<TimeSpan>? Delays(ConfigSection config, string key, bool zeroAllowed)
    {
        if (config.TextList(key) is not { } texts)
            return null;
        var delays = new List<TimeSpan>();
        foreach (var text in texts)
        {
            if (SectionReader.ParseDuration(text) is { } delay && (delay > TimeSpan.Zero || zeroAllowed && delay == TimeSpan.Zero))
                delays.Add(delay);
            else
                config.Problem(key, $"'{text}' is not a {(zeroAllowed ? "" : "positive ")}duration such as {(zeroAllowed ? "0s, " : "")}30s, 5m or 2h");
        }
        if (texts.Count == 0)
            config.Problem(key, "give at least one delay");
        return delays;
    }

    private static LinkTrigger Trigger(ConfigSection? config)
    {
        if (config is null)
            return LinkTrigger.ManualOnly;
        ISchedule? schedule = config.Section("schedule") is { } cron ? Cron(cron) : null;
        if (config.Duration("interval") is { } interval)
        {
            if (schedule is not null)
                config.Problem("interval", "give either 'schedule' or 'interval', not both");
            else if (interval < TimeSpan.FromSeconds(1))
                config.Problem("interval", $"must be at least 1s, found {interval}");
            else
                schedule = new IntervalSchedule(interval);
        }
        return new LinkTrigger(schedule, config.Boolean("manual", true), config.Boolean("push", false));
    }

    private static CronSchedule? Cron(ConfigSection config)
    {
        var zone = TimeZoneInfo.Utc;
        if (config.Text("timeZone") is { } name)
        {
            try
            {
                zone = CronSchedule.FindTimeZone(name);
            }
            catch (FormatException exception)
            {
                config.Problem("timeZone", exception.Message);
            }
        }
        if (config.Text("cron") is not { } expression)
            return null; // required: the reader has said so
        try
        {
            return CronSchedule.Parse(expression, zone);
        }
        catch (FormatException exception)
        {
            config.Problem("cron", exception.Message);
            return null;
        }
    }

    private static LinkSettings Settings(ConfigSection? config)
    {
        var settings = new LinkSettings();
        if (config is null)
            return settings;
        var replay = config.Section("automatedReplay");
        var retry = config.Section("retry");
        var overrides = new Dictionary<string, ErrorType>(StringComparer.OrdinalIgnoreCase);
        foreach (var (code, type) in config.TextMap("errorTypes") ?? new Dictionary<string, string>())
        {
            if (Enum.TryParse<ErrorType>(type, ignoreCase: true, out var parsed))
                overrides[code] = parsed;
            else
                config.Problem("errorTypes", $"'{type}' (for {code}) is not an error type{Suggestions.DidYouMean(type, Enum.GetNames<ErrorType>())}; allowed: {string.Join(", ", Enum.GetNames<ErrorType>())}");
        }
        settings = settings with
        {
            BatchSize = config.Integer("batchSize", settings.BatchSize),
            Parallelism = config.Integer("parallelism", settings.Parallelism),
            LoggingLevel = Enum.Parse<LoggingLevel>(config.Text("loggingLevel", "errors"), ignoreCase: true),
            LogRecordValues = config.Boolean("logRecordValues", settings.LogRecordValues),
            AutomatedReplay = replay?.Boolean("enabled", false) ?? false,
            ReplayMaxAttempts = replay?.Integer("maxAttempts", settings.ReplayMaxAttempts) ?? settings.ReplayMaxAttempts,
            ReplayIncludesDurable = replay?.Boolean("includeDurable", false) ?? false,
            ReplayDelays = (replay is null ? null : Delays(replay, "delays", zeroAllowed: true)) is { Count: > 0 } replayDelays ? replayDelays : settings.ReplayDelays,
            StoreIncompleteRuns = config.Boolean("storeIncompleteRuns", settings.StoreIncompleteRuns),
            SequentialProcessing = config.Boolean("sequentialProcessing", false),
            MaxConsecutiveErrors = (int?)config.Integer("maxConsecutiveErrors"),
            StaleProtection = config.Boolean("staleProtection", settings.StaleProtection),
            BackoffSchedule = Delays(config, "backoff", zeroAllowed: false),
            CallRetryAttempts = retry?.Integer("attempts", settings.CallRetryAttempts) ?? settings.CallRetryAttempts,
            CallRetryDelay = retry?.Duration("delay") ?? settings.CallRetryDelay,
            ErrorTypeOverrides = overrides,
            ErrorPolicies = Policies(config.Section(ErrorPolicies.SettingsKey)),
        };
        foreach (var problem in settings.Validate().Where(problem => !problem.StartsWith(ErrorPolicies.SettingsKey + ".", StringComparison.Ordinal)))
            config.Problem(problem.Split(' ')[0], problem);
        // The policies' problems are reported at the key at fault, in the type's section.
        foreach (var problem in ErrorPolicies.Validate(settings))
            config.Section(ErrorPolicies.SettingsKey)!.Section(problem.Type.ToString())!.Problem(problem.Key, problem.Message);
        return settings;
    }

    private static Dictionary<ErrorType, ErrorTypePolicy> Policies(ConfigSection? config)
    {
        var policies = new Dictionary<ErrorType, ErrorTypePolicy>();
        foreach (var type in config is null ? [] : Enum.GetValues<ErrorType>())
        {
            if (config!.Section(type.ToString()) is not { } policy)
                continue;
            policies[type] = new ErrorTypePolicy
            {
                Attempts = policy.Integer("attempts", ErrorTypePolicy.DefaultAttempts),
                Delays = Delays(policy, "delays", zeroAllowed: true) is { Count: > 0 } delays ? delays : ErrorTypePolicy.DefaultDelays,
                // (Checked against the allowed names when the file was read.)
                Then = policy.Text("then") is { } then ? Enum.Parse<ErrorAction>(then, ignoreCase: true) : null,
                Reason = policy.Text("reason"),
            };
        }
        return policies;
    }

    private static Exception Inner(Exception exception) => exception.InnerException is YamlException inner ? inner : exception;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
