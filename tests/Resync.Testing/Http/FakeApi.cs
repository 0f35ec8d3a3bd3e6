using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Resync.Testing.Http;

/// <summary>A real HTTP server on 127.0.0.1 (Kestrel, a free port) that answers with the test's handler and records every request.</summary>
public sealed class FakeApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SeenRequest> _requests = new();

    private FakeApi(WebApplication app, Func<HttpContext, SeenRequest, Task> handle)
    {
        _app = app;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var seen = new SeenRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
                context.Request.Query.ToDictionary(pair => pair.Key, pair => pair.Value.ToString()),
                context.Request.Headers.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.OrdinalIgnoreCase), body);
            _requests.Enqueue(seen);
            await handle(context, seen);
        });
    }

    public string Url => _app.Urls.First().TrimEnd('/');

    public IReadOnlyList<SeenRequest> Requests => [.. _requests];

    public static async Task<FakeApi> StartAsync(Func<HttpContext, SeenRequest, Task> handle)
    {
        var api = new FakeApi(LoopbackWebApp.CreateBuilder().Build(), handle);
        await api._app.StartAsync();
        return api;
    }

    public static Task Json(HttpContext context, object value, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(value));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
