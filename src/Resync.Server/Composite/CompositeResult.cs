using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Resync.Core.Errors;

namespace Resync.Server.Composite;

/// <summary>
/// The result of one subrequest (or one tree record). Always the same shape, success or failure, so typed clients parse
/// it without guessing: <see cref="Body"/> is the subrequest's answer (null on failure), <see cref="Errors"/> is empty on success.
/// </summary>
/// <param name="ReferenceId">The subrequest's or record's referenceId (null for batch subrequests, which have none).</param>
/// <param name="Success">True when the subrequest did what it asked and its effect is kept.</param>
/// <param name="StatusCode">The HTTP status the subrequest would have answered on its own (201, 200, 400, 404, 412…).</param>
/// <param name="Body">The answer: for a record operation <c>{"id": …}</c>; for another API URL its JSON body.</param>
/// <param name="Errors">Why it failed; empty on success.</param>
/// <param name="Cause">For a failed record operation, the error as the link's steps or target gave it (type, hint), which the call's run keeps.</param>
public sealed record CompositeResult(string? ReferenceId, bool Success, int StatusCode, JsonNode? Body, IReadOnlyList<CompositeError> Errors,
    [property: JsonIgnore] ResyncError? Cause = null)
{
    internal static CompositeResult Failure(string? referenceId, int status, string code, string message) =>
        new(referenceId, false, status, null, [new CompositeError(code, message, [])]);

    /// <summary>A created record: 201 with its id.</summary>
    internal static CompositeResult Created(string? referenceId, string? key) => new(referenceId, true, 201, new JsonObject { ["id"] = key }, []);

    /// <summary>A written record operation: 201 for a create, 200 for a write by key.</summary>
    internal static CompositeResult Written(CompositeSubrequest subrequest, string? key) =>
        subrequest.Method == "POST" ? Created(subrequest.ReferenceId, key) : Created(subrequest.ReferenceId, key) with { StatusCode = 200 };

    /// <summary>A record the link's steps or target did not write, with their error.</summary>
    internal static CompositeResult Refused(string? referenceId, CompositeRecordOutcome outcome) => new(referenceId, false, 400, null, [outcome.Error!], outcome.Cause);
}
