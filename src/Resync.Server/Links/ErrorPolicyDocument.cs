using Resync.Core.Errors;
using Resync.Core.Policies;

namespace Resync.Server.Links;

/// <summary>
/// A link's policy for one error type: writes of a failed record within the run, then what happens (null: the type's
/// built-in handling, <see cref="BuiltIn"/>).
/// </summary>
public sealed record ErrorPolicyDocument(string Type, int Attempts, IReadOnlyList<double> DelaysSeconds, string? Then, string? Reason, string BuiltIn)
{
    public static ErrorPolicyDocument From(ErrorType type, ErrorTypePolicy policy) =>
        new(type.ToString(), policy.Attempts, [.. policy.Delays.Select(delay => delay.TotalSeconds)], policy.Then?.ToString(), policy.Reason,
            ErrorPolicies.DefaultHandling(type));
}
