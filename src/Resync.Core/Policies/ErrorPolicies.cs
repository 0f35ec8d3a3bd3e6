using Resync.Core.Errors;
using Resync.Core.Links;

namespace Resync.Core.Policies;

/// <summary>
/// A link's error policies compiled into the decisions the engine takes, once per run: for each error type, how often
/// a failed target write is tried again and what then happens to the records (fail, park, ignore, stop, deactivate).
/// The one place those decisions are made; <see cref="Validate"/> refuses policies that would lose records.
/// </summary>
public sealed class ErrorPolicies
{
    /// <summary>The settings key of the policies in a link file.</summary>
    public const string SettingsKey = "errorPolicies";

    private readonly ErrorTypePolicy[] _byType;

    private ErrorPolicies(IReadOnlyDictionary<ErrorType, ErrorTypePolicy> policies)
    {
        _byType = [.. Enum.GetValues<ErrorType>().Select(type => policies.GetValueOrDefault(type) ?? ErrorTypePolicy.Default)];
    }

    /// <summary>The built-in handling of every type (no policy set).</summary>
    public static ErrorPolicies Default { get; } = new(new Dictionary<ErrorType, ErrorTypePolicy>());

    /// <summary>Compiles a link's policies (checked by <see cref="LinkSettings.Validate"/>).</summary>
    public static ErrorPolicies Compile(LinkSettings settings) =>
        settings.ErrorPolicies.Count == 0 ? Default : new(settings.ErrorPolicies);

    /// <summary>The policy of one type.</summary>
    public ErrorTypePolicy For(ErrorType type) => _byType[(int)type];

    /// <summary>True when some type parks records while the run goes on (the run's parked records then become an incomplete run).</summary>
    public bool Parks => _byType.Any(policy => policy.Then == ErrorAction.Park);

    /// <summary>A record a step failed. Built in: it fails (a step is pure: nothing outside the record is wrong).</summary>
    public ErrorAction ForStep(ErrorClassification error) => Decide(error, ErrorAction.Fail);

    /// <summary>A record the target refused on its own. Built in: it fails; its siblings were written.</summary>
    public ErrorAction ForTargetRecord(ErrorClassification error) => Decide(error, ErrorAction.Fail);

    /// <summary>
    /// A write of a whole batch that failed. Built in: a target that is unreachable, rate limited, refuses the credentials
    /// or fails mid-commit stops the run (it cannot take more batches); anything else fails the batch.
    /// </summary>
    public ErrorAction ForTargetBatch(ErrorClassification error) =>
        Decide(error, error.Type is ErrorType.Connection or ErrorType.RateLimit or ErrorType.InvalidAccessToken or ErrorType.Inconsistency
            ? ErrorAction.Stop : ErrorAction.Fail);

    /// <summary>
    /// A source page that could not be fetched (no records were read from it). Built in: refused credentials stop the run
    /// anywhere, an offline or rate-limited source stops it at the first fetch, and anything else fails the page as a batch
    /// (its cursor kept for Retry Failures). A page has no records to park or ignore: <see cref="ErrorAction.Park"/> stops the
    /// run (its remainder, this page on, is parked) and <see cref="ErrorAction.Ignore"/> fails the page.
    /// </summary>
    public ErrorAction ForSourcePage(ErrorClassification error, bool firstFetch)
    {
        var builtIn = error.Type == ErrorType.InvalidAccessToken || (firstFetch && error.Type is ErrorType.Connection or ErrorType.RateLimit)
            ? ErrorAction.Stop : ErrorAction.Fail;
        return Decide(error, builtIn) switch
        {
            ErrorAction.Park => ErrorAction.Stop,
            ErrorAction.Ignore => ErrorAction.Fail,
            var action => action,
        };
    }

    /// <summary>True when the run's stopping error asks for the link to be deactivated.</summary>
    public bool Deactivates(ResyncError systemError) => For(systemError.Type).Then == ErrorAction.Deactivate;

    /// <summary>The reason shown with a record the policy ignored.</summary>
    public string IgnoreReason(ErrorClassification error) =>
        $"{For(error.Type).Reason} (ignored by the link's error policy for {error.Type}: {error.Code} {error.Message})";

    /// <summary>How each type is handled when the link sets no policy for it, as <c>resync reference</c> shows it.</summary>
    public static string DefaultHandling(ErrorType type) => type switch
    {
        ErrorType.Connection or ErrorType.RateLimit =>
            "fail the record; a failed batch write stops the run (remainder parked); a source stops the run at the first page and fails later pages as batches",
        ErrorType.InvalidAccessToken => "fail the record; a failed batch write or source page stops the run (remainder parked)",
        ErrorType.Inconsistency => "fail the record; a failed batch write stops the run (remainder parked)",
        _ => "fail the record (a failed batch write or source page fails as a batch); the run goes on",
    };

    /// <summary>
    /// The problems of a link's policies, empty when valid. Refused: what would lose records (ignoring a record that failed
    /// for a reason outside its data, parking where parked records are not kept), ignoring without a reason, and retrying
    /// or carrying on after a failed commit (what it wrote is unknown).
    /// </summary>
    public static IReadOnlyList<ErrorPolicyProblem> Validate(LinkSettings settings)
    {
        var problems = new List<ErrorPolicyProblem>();
        foreach (var (type, policy) in settings.ErrorPolicies.OrderBy(entry => entry.Key))
        {
            void Problem(string key, string message) => problems.Add(new ErrorPolicyProblem(type, key, message));
            if (policy.Attempts is < 1 or > ErrorTypePolicy.MaxAttempts)
                Problem("attempts", $"must be between 1 and {ErrorTypePolicy.MaxAttempts}, found {policy.Attempts}");
            if (policy.Delays.Count == 0 || policy.Delays.Any(delay => delay < TimeSpan.Zero))
                Problem("delays", "give at least one duration, none negative, e.g. [1s, 10s]");
            if (type == ErrorType.Inconsistency && policy.Attempts > 1)
                Problem("attempts", "an Inconsistency (a failed commit or rollback) is not written again: what the target kept is unknown, so a second write could duplicate it");
            if (type == ErrorType.Inconsistency && policy.Then is ErrorAction.Fail or ErrorAction.Park or ErrorAction.Ignore)
                Problem("then", $"'{Name(policy.Then.Value)}' would let the run go on after a failed commit, when what the target kept is unknown; use stop or deactivate");
            if (policy.Then == ErrorAction.Ignore)
            {
                if (type is ErrorType.Connection or ErrorType.RateLimit or ErrorType.IncompleteData or ErrorType.InvalidAccessToken)
                    Problem("then", $"ignoring {type} errors would lose records: they failed for a reason outside their data and were never written; use fail, park or stop");
                else if (string.IsNullOrWhiteSpace(policy.Reason))
                    Problem("reason", "'ignore' needs a reason, shown with every record it ignores");
            }
            else if (policy.Reason is not null)
            {
                Problem("reason", $"a reason is only for 'then: ignore' (this policy's then is {(policy.Then is { } then ? Name(then) : "the default")})");
            }
            if (policy.Then == ErrorAction.Park)
            {
                if (!settings.StoreIncompleteRuns)
                    Problem("then", "'park' needs storeIncompleteRuns: true, or the parked records would be dropped");
                if (settings.LoggingLevel == LoggingLevel.None)
                    Problem("then", "'park' needs loggingLevel errors or all: a parked record is kept with its values in its snapshot");
            }
            if (settings.SequentialProcessing && policy.Then is ErrorAction.Park or ErrorAction.Ignore)
                Problem("then", $"'{Name(policy.Then.Value)}' would write the records after this one while it waits, breaking the order sequentialProcessing keeps; use fail or stop");
        }
        return problems;
    }

    /// <summary>An action as a link file writes it.</summary>
    public static string Name(ErrorAction action) => action.ToString().ToLowerInvariant();

    private ErrorAction Decide(ErrorClassification error, ErrorAction builtIn) =>
        // A misconfigured link (no such table, database or column) fails every record alike: it always stops the run.
        error.StopsTheRun ? ErrorAction.Stop : For(error.Type).Then ?? builtIn;
}
