using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>Reads a small JSON request body into <typeparamref name="T"/>, answering a problem document for a wrong type or bad JSON.</summary>
internal static class JsonBody
{
    private const int MaxBytes = 256 * 1024;

    /// <summary>The body; when <paramref name="optional"/> and there is none, <paramref name="empty"/>.</summary>
    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, bool optional = false, T? empty = default)
    {
        if (optional && request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
            return (empty, null);
        if (!RequestBody.IsJson(request))
            return (default, Problems.UnsupportedMediaType("application/json", request.ContentType));
        var (body, tooLarge) = await RequestBody.ReadAsync(request, MaxBytes);
        if (tooLarge is not null)
            return (default, tooLarge);
        if (body.IsEmpty && optional)
            return (empty, null);
        try
        {
            var value = JsonSerializer.Deserialize<T>(body.Span, options);
            return value is null ? (default, Problems.BadRequest("malformed-json", "The body is JSON null; send an object.")) : (value, null);
        }
        catch (JsonException exception)
        {
            return (default, Problems.BadRequest("malformed-json", $"The body is not valid here: {exception.Message}"));
        }
    }

    /// <summary>A body that must be a JSON object of a record's fields (field: value), as the edit endpoints take it; <paramref name="expected"/> says what to send.</summary>
    public static async Task<(JsonElement Value, ProblemHttpResult? Problem)> ReadFieldsAsync(HttpRequest request, JsonSerializerOptions options, string expected)
    {
        var (body, problem) = await ReadAsync<JsonElement>(request, options);
        if (problem is not null)
            return (default, problem);
        return body.ValueKind == JsonValueKind.Object
            ? (body, null)
            : (default, Problems.BadRequest("invalid-record", $"{expected}; found {body.ValueKind.ToString().ToLowerInvariant()}."));
    }
}
