using Resync.Core.Errors;

namespace Resync.Core.Sdk;

/// <summary>What a step decided for one record: go on, ignore it (with a reason), or fail it (with an error).</summary>
public readonly struct StepResult
{
    private StepResult(string? ignoreReason, ErrorClassification? error)
    {
        IgnoreReason = ignoreReason;
        Error = error;
    }

    public static StepResult Continue => default;

    public string? IgnoreReason { get; }

    public ErrorClassification? Error { get; }

    public bool IsContinue => IgnoreReason is null && Error is null;

    /// <summary>Refuses the record on purpose; the reason is mandatory and shown to people.</summary>
    public static StepResult Ignore(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(reason, null);
    }

    /// <summary>Fails the record with a record error.</summary>
    public static StepResult Fail(ErrorClassification error) => new(null, error);
}
