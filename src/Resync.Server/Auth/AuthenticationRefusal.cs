namespace Resync.Server.Auth;

/// <summary>
/// Why a request's credentials were refused, as the failure of an authentication scheme: the 401 problem's detail and,
/// for API keys, the <c>WWW-Authenticate</c> challenge to answer with.
/// </summary>
public sealed class AuthenticationRefusal(string detail, string? challenge = null) : Exception(detail)
{
    public string? Challenge { get; } = challenge;
}
