namespace Resync.Server.Api;

/// <summary>An answer that starting work produced (2xx, JSON): what an Idempotency-Key replays.</summary>
public sealed class JsonAnswer(int status, string json, string? location = null) : IResult
{
    public int Status { get; } = status;

    public string Json { get; } = json;

    public string? Location { get; } = location;

    public bool Replayed { get; init; }

    /// <summary>What an Idempotency-Key replay answers instead of <see cref="Json"/>: the answer without what is shown only once (a secret).</summary>
    public string? KeptJson { get; init; }

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = Status;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        if (Location is not null)
            httpContext.Response.Headers.Location = Location;
        if (Replayed)
            httpContext.Response.Headers["Idempotent-Replayed"] = "true";
        return httpContext.Response.WriteAsync(Json, httpContext.RequestAborted);
    }
}
