using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>
/// Every error the API answers, as an RFC 7807 problem document with a stable <c>type</c>
/// (<c>urn:resync:problem:&lt;code&gt;</c>) and the same <c>code</c> as an extension, so clients branch on codes, not prose.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Of(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(StringComparer.Ordinal) { ["code"] = code };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions)
                all[key] = value;
        }
        return TypedResults.Problem(detail, statusCode: status, title: title, type: $"urn:resync:problem:{code}", extensions: all);
    }

    public static ProblemHttpResult Unauthorized(string detail) => Of(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);

    /// <summary>Not found, also for objects of another tenant: their existence is not revealed.</summary>
    public static ProblemHttpResult NotFound(string what, string id) =>
        Of(StatusCodes.Status404NotFound, "not-found", "Not found", $"There is no {what} '{id}'.");

    public static ProblemHttpResult Conflict(string code, string detail) => Of(StatusCodes.Status409Conflict, code, "Conflict", detail);

    public static ProblemHttpResult BadRequest(string code, string detail, IDictionary<string, object?>? extensions = null) =>
        Of(StatusCodes.Status400BadRequest, code, "Bad request", detail, extensions);

    public static ProblemHttpResult UnsupportedMediaType(string expected, string? found) => Of(StatusCodes.Status415UnsupportedMediaType,
        "unsupported-media-type", "Unsupported media type", $"Send the body as {expected}; found '{found ?? "(none)"}'.");

    public static ProblemHttpResult TooLarge(long max) => Of(StatusCodes.Status413PayloadTooLarge, "body-too-large", "Body too large",
        $"The request body is larger than the {max:N0} bytes this server accepts.", new Dictionary<string, object?> { ["maxBytes"] = max });
}
