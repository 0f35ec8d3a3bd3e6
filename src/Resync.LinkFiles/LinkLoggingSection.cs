using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Resync.Core.Observability;

namespace Resync.LinkFiles;

/// <summary>The <c>logging</c> section of a link file: the log sinks a link adds for its tenant's events.</summary>
public static partial class LinkLoggingSection
{
    /// <summary>The levels a sink may start at (the catalogue's events are Information and above).</summary>
    private static readonly string[] Levels = ["information", "warning", "error", "critical"];

    /// <summary>Headers the sink sets itself, or that would change where or how a batch goes.</summary>
    private static readonly HashSet<string> ReservedHeaders = new(["Host", "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding", "Connection", "Expect"],
        StringComparer.OrdinalIgnoreCase);

    private static KeySpec Level { get; } = new("level", ValueKind.Text, "The least level sent.") { Default = "information", Allowed = Levels };

    private static KeySpec BufferSize { get; } = new("bufferSize", ValueKind.Integer, "Events waiting at most; beyond it (the sink is down or slow) they are dropped and counted.")
    {
        Default = LinkFileSink.DefaultBufferSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static ConfigSchema Http { get; } = new(
        new KeySpec("url", ValueKind.Text, "Where batches of events are posted (absolute http or https URL), e.g. https://http-intake.logs.datadoghq.eu/api/v2/logs.") { Required = true },
        new KeySpec("apiKey", ValueKind.Text, "A key sent in apiKeyHeader; give it as a secret, e.g. \"${env:DD_API_KEY}\"."),
        new KeySpec("apiKeyHeader", ValueKind.Text, "The header carrying apiKey.") { Default = "DD-API-KEY" },
        new KeySpec("headers", ValueKind.TextMap, "Other headers sent with every batch."),
        new KeySpec("service", ValueKind.Text, "The service of each event.") { Default = "resync" },
        Level,
        BufferSize);

    public static ConfigSchema File { get; } = new(
        new KeySpec("path", ValueKind.Text, "The file events are appended to, one JSON object a line (within the tenant's data folder for links from the API).") { Required = true, FilePath = true },
        new KeySpec("maxBytes", ValueKind.Integer, "When the next write would pass it, the file is rotated to <path>.1.") { Default = LinkFileSink.DefaultMaxBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        new KeySpec("maxFiles", ValueKind.Integer, "Rotated files kept besides the current one.") { Default = LinkFileSink.DefaultMaxFiles.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Level,
        BufferSize);

    public static ConfigSchema Schema { get; } = new(
        new KeySpec("http", ValueKind.Section, "Post the tenant's events to an HTTP log intake (Datadog's shape), through the server's outbound network policy.") { Nested = Http },
        new KeySpec("file", ValueKind.Section, "Append the tenant's events to a JSON-lines file.") { Nested = File });

    /// <summary>The sinks of a <c>logging</c> section (null without one); problems are reported at their keys.</summary>
    internal static LinkLogging? Read(ConfigSection? config)
    {
        if (config is null)
            return null;
        var logging = new LinkLogging
        {
            Intake = config.Section("http") is { } http ? Intake(http) : null,
            File = config.Section("file") is { } file ? FileSink(file) : null,
        };
        return logging.Intake is null && logging.File is null ? null : logging;
    }

    private static LinkIntakeSink? Intake(ConfigSection config)
    {
        if (config.Text("url") is not { } text)
            return null; // required: the reader has said so
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            config.Problem("url", $"expected an absolute http or https URL, found '{Core.Errors.SecretText.Mask(text)}'");
            return null;
        }
        if (url.UserInfo.Length > 0)
            config.Problem("url", "the URL may not carry credentials (user:password@); give the key in apiKey or headers, from a secret");
        else if (config.Trust.RefuseUrl(url) is { } refusal)
            config.Problem("url", refusal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in config.TextMap("headers") ?? new Dictionary<string, string>())
        {
            if (Header(config, "headers", name, value))
                headers[name] = value;
        }
        if (config.Text("apiKey") is { } key)
        {
            var header = config.Text("apiKeyHeader", "DD-API-KEY");
            if (Header(config, "apiKeyHeader", header, key))
                headers[header] = key;
        }
        else if (config.Has("apiKeyHeader"))
        {
            config.Problem("apiKeyHeader", "apiKeyHeader names the header of apiKey, which is not given");
        }
        return new LinkIntakeSink(url)
        {
            Headers = headers,
            Service = config.Text("service", "resync"),
            MinimumLevel = LevelOf(config),
            BufferSize = Buffer(config),
        };
    }

    private static LinkFileSink? FileSink(ConfigSection config)
    {
        if (config.Text("path") is not { } path)
            return null; // required (or refused by the trust): the reader has said so
        var sink = new LinkFileSink(config.ResolvePath(path))
        {
            MaxBytes = config.Integer("maxBytes") ?? LinkFileSink.DefaultMaxBytes,
            MaxFiles = (int)Math.Clamp(config.Integer("maxFiles") ?? LinkFileSink.DefaultMaxFiles, -1, 1001),
            MinimumLevel = LevelOf(config),
            BufferSize = Buffer(config),
            CheckBeforeOpen = config.Trust.CheckBeforeOpen,
        };
        if (sink.MaxBytes < 1024)
            config.Problem("maxBytes", $"must be at least 1024, found {sink.MaxBytes}");
        if (sink.MaxFiles is < 0 or > 1000)
            config.Problem("maxFiles", $"must be between 0 and 1000, found {config.Integer("maxFiles")}");
        return sink;
    }

    /// <summary>Whether a header may be sent as written; reports why not.</summary>
    private static bool Header(ConfigSection config, string key, string name, string value)
    {
        if (!Token().IsMatch(name))
            config.Problem(key, $"'{name}' is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)");
        else if (ReservedHeaders.Contains(name))
            config.Problem(key, $"the header '{name}' is set by the sink itself and cannot be given");
        else if (value.Any(char.IsControl))
            config.Problem(key, $"the value of the header '{name}' holds a control character (a line break?)");
        else
            return true;
        return false;
    }

    private static LogLevel LevelOf(ConfigSection config) => Enum.Parse<LogLevel>(config.Text("level", "information"), ignoreCase: true);

    private static int Buffer(ConfigSection config)
    {
        var size = config.Integer("bufferSize") ?? LinkFileSink.DefaultBufferSize;
        if (size is < 1 or > 1_000_000)
            config.Problem("bufferSize", $"must be between 1 and 1000000, found {size}");
        return (int)Math.Clamp(size, 1, 1_000_000);
    }

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Token();
}
