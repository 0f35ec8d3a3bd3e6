namespace Resync.Core.Errors;

/// <summary>
/// What the classifier concluded about a failure, before it is placed in a run (scope, step, time, attempt).
/// </summary>
/// <param name="Type">The taxonomy type.</param>
/// <param name="Durability">Ephemeral or durable.</param>
/// <param name="Code">A stable code, e.g. <c>HTTP_503</c>, <c>23505</c>, <c>SQLITE_CONSTRAINT_UNIQUE</c>.</param>
/// <param name="Message">What happened, in words.</param>
/// <param name="Hint">A hint toward the fix.</param>
/// <param name="Fields">The field (column) names involved, if known.</param>
/// <param name="RetryAfter">How long the other side asked us to wait, if it said.</param>
public sealed record ErrorClassification(
    ErrorType Type,
    Durability Durability,
    string Code,
    string Message,
    string? Hint = null,
    IReadOnlyList<string>? Fields = null,
    TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// True for a failure of the link's configuration (no such database, table or column, no unique constraint for the
    /// key): every batch would fail the same way, so it stops the run instead of failing each batch (and the records
    /// after it are not read only to be stored as failed).
    /// </summary>
    public bool StopsTheRun { get; init; }

    /// <summary>How many attempts of the call were made before it gave up (a call retried for ephemeral errors says so). The default is 1.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>True when trying again later would likely help.</summary>
    public bool IsTransient => Durability == Durability.Ephemeral;

    /// <summary>
    /// Places this classification in a run, with any secret in its words masked (<see cref="SecretText"/>); its attempt is
    /// <paramref name="attempt"/> when given, else the attempts the call made (<see cref="Attempts"/>).
    /// </summary>
    public ResyncError ToError(ErrorScope scope, DateTimeOffset occurredAt, string? step = null, int? attempt = null) =>
        new(scope, Type, Durability, Code, SecretText.Mask(Message), step, Fields ?? [], SecretText.MaskOrNull(Hint), occurredAt, attempt ?? Attempts);
}
