namespace Resync.Server.Api;

/// <summary>
/// <c>X-Request-Id</c> on every answer: the caller's, or one generated when it sent none. A generated id is put on the
/// request too, so the runs, alerts and logs of that request carry the id its caller was answered with.
/// </summary>
internal static class RequestIds
{
    public const string Header = "X-Request-Id";

    public const int MaxLength = 200;

    public static async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var given = http.Request.Headers[Header];
        var id = given.Count == 1 ? given[0] : null;
        if (given.Count == 0 || string.IsNullOrEmpty(id))
        {
            id = $"req-{Guid.NewGuid():N}";
            http.Request.Headers[Header] = id;
        }
        else if (given.Count > 1 || id!.Length > MaxLength || id.Any(c => c is < ' ' or > '~'))
        {
            id = $"req-{Guid.NewGuid():N}";
            Echo(http, id);
            await Problems.BadRequest("invalid-request-id",
                $"{Header} is one value of 1 to {MaxLength} printable ASCII characters; this request was answered as '{id}'.").ExecuteAsync(http);
            return;
        }
        Echo(http, id);
        await next(http);
    }

    // Set when the answer starts, so an error page that clears the headers still carries it.
    // nosniff too: the JSON keeps '<' unescaped (ResyncJson), so no answer may be read as HTML.
    private static void Echo(HttpContext http, string id) => http.Response.OnStarting(() =>
    {
        http.Response.Headers[Header] = id;
        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Task.CompletedTask;
    });
}
