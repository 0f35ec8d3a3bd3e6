using Resync.Core.Errors;

namespace Resync.Core.Links;

/// <summary>A link's run settings, with the documented defaults.</summary>
public sealed record LinkSettings
{
    /// <summary>Records per page/batch asked of the source. The default is 1000.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>Batches processed at once. The default is the machine's processor count.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Which records keep snapshots. The default is <see cref="LoggingLevel.Errors"/>.</summary>
    public LoggingLevel LoggingLevel { get; init; } = LoggingLevel.Errors;

    /// <summary>
    /// Record keys and the messages of record errors, ignores and warnings (which may quote values) go into the log events.
    /// The default is false: log sinks (a partner's Datadog, a collector) get codes, types, steps and field names only.
    /// </summary>
    public bool LogRecordValues { get; init; }

    /// <summary>Re-process failed records in Replay runs after each run (see <see cref="ReplayDelays"/>). The default is false.</summary>
    public bool AutomatedReplay { get; init; }

    /// <summary>How many Replay runs at most. The default is 3.</summary>
    public int ReplayMaxAttempts { get; init; } = 3;

    /// <summary>
    /// Automated replay also carries records whose errors are durable (a value too long for its column fails the same way
    /// until someone fixes it, so replaying it only burns attempts). The default is false: only ephemeral errors are replayed.
    /// </summary>
    public bool ReplayIncludesDurable { get; init; }

    /// <summary>The default delays before each automated replay: a few seconds, then longer.</summary>
    public static IReadOnlyList<TimeSpan> DefaultReplayDelays { get; } = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)];

    /// <summary>The delay before each automated replay; the last repeats for further replays. The default is <see cref="DefaultReplayDelays"/>.</summary>
    public IReadOnlyList<TimeSpan> ReplayDelays { get; init; } = DefaultReplayDelays;

    /// <summary>Park the unprocessed remainder of a stopped run. The default is true.</summary>
    public bool StoreIncompleteRuns { get; init; } = true;

    /// <summary>Process batches one at a time, in order; the first data error stops the link. The default is false.</summary>
    public bool SequentialProcessing { get; init; }

    /// <summary>The most Replay runs a link may ask for (<see cref="ReplayMaxAttempts"/>), in a link file or through the API alike.</summary>
    public const int ReplayMaxAttemptsLimit = 100;

    /// <summary>The most attempts of one source/target call (<see cref="CallRetryAttempts"/>), for the link and each connector's own call settings alike.</summary>
    public const int CallRetryAttemptsLimit = 20;

    /// <summary>The maximum of consecutive errors when none is set (links that are not pushed to).</summary>
    public const int DefaultMaxConsecutiveErrors = 3;

    /// <summary>
    /// Failed runs in a row before the link is deactivated, the last stopped by a Runtime/IncompleteData error or having got nothing through (see LinkHealthPolicy). The default (null) is 3, or 1 for
    /// links triggered by pushes, which deactivate at the first such error unless this is set.
    /// </summary>
    public int? MaxConsecutiveErrors { get; init; }

    /// <summary>Before a retried record is written, replace its snapshot by the source's current version (keyed sources). The default is true.</summary>
    public bool StaleProtection { get; init; } = true;

    /// <summary>The delays between attempts after ephemeral failures. The default is 1m, 2m, 5m, 10m, 1h, 3h, 12h, 24h.</summary>
    public IReadOnlyList<TimeSpan>? BackoffSchedule { get; init; }

    /// <summary>Attempts of one source/target call for ephemeral errors. The default is 3.</summary>
    public int CallRetryAttempts { get; init; } = 3;

    /// <summary>Base delay between call attempts (jittered, exponential). The default is 1 second.</summary>
    public TimeSpan CallRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Error codes re-mapped to another type for this link.</summary>
    public IReadOnlyDictionary<string, ErrorType> ErrorTypeOverrides { get; init; } = new Dictionary<string, ErrorType>();

    /// <summary>What the link does with each error type (retry within the run, then fail, park, ignore, stop or deactivate); a type not listed keeps its built-in handling.</summary>
    public IReadOnlyDictionary<ErrorType, Policies.ErrorTypePolicy> ErrorPolicies { get; init; } = new Dictionary<ErrorType, Policies.ErrorTypePolicy>();

    /// <summary>Checks the settings; returns the problems, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (BatchSize is < 1 or > 1_000_000)
            problems.Add($"batchSize must be between 1 and 1000000, found {BatchSize}");
        if (Parallelism is < 1 or > 256)
            problems.Add($"parallelism must be between 1 and 256, found {Parallelism}");
        if (ReplayMaxAttempts is < 1 or > ReplayMaxAttemptsLimit)
            problems.Add($"replay max attempts must be between 1 and {ReplayMaxAttemptsLimit}, found {ReplayMaxAttempts}");
        if (ReplayDelays.Count == 0 || ReplayDelays.Any(delay => delay < TimeSpan.Zero))
            problems.Add("replay delays must be at least one duration, none negative, e.g. [5s, 30s, 2m]");
        if (MaxConsecutiveErrors is < 1)
            problems.Add($"maxConsecutiveErrors must be at least 1, found {MaxConsecutiveErrors}");
        if (CallRetryAttempts is < 1 or > CallRetryAttemptsLimit)
            problems.Add($"retry attempts must be between 1 and {CallRetryAttemptsLimit}, found {CallRetryAttempts}");
        problems.AddRange(Policies.ErrorPolicies.Validate(this).Select(problem => problem.ToString()));
        return problems;
    }
}
