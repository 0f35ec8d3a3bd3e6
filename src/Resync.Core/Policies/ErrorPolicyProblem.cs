using Resync.Core.Errors;

namespace Resync.Core.Policies;

/// <summary>Why a link's error policy for <paramref name="Type"/> is refused, naming the key (<c>then</c>, <c>attempts</c>…) at fault.</summary>
public sealed record ErrorPolicyProblem(ErrorType Type, string Key, string Message)
{
    public override string ToString() => $"{ErrorPolicies.SettingsKey}.{Type}.{Key}: {Message}";
}
