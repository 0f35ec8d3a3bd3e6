using Resync.Server.Api;

namespace Resync.Server.Auth;

/// <summary>
/// Operator keys only (<c>/metrics</c>, <c>/api/v1/keys</c>): to any other caller the route answers "not found", naming
/// <paramref name="what"/> and the id <paramref name="id"/> gives, as for anything not theirs.
/// </summary>
public sealed class OperatorOnly(string what, Func<HttpContext, string> id) : ApiRequirement
{
    protected override ValueTask<IResult?> CheckAsync(HttpContext http, Caller caller) =>
        ValueTask.FromResult<IResult?>(caller.IsOperator ? null : Problems.NotFound(what, id(http)));
}
