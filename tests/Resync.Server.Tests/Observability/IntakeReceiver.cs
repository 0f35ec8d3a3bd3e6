using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Resync.Server.Tests.Observability;

/// <summary>A log intake on 127.0.0.1 that keeps every event of the batches it takes, and answers 503 while it is <see cref="Down"/>.</summary>
internal sealed class IntakeReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _events = new();
    private readonly TaskCompletionSource _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _batches;

    private IntakeReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public bool Down { get; set; }

    public IReadOnlyList<JsonObject> Events => [.. _events];

    public int Batches => Volatile.Read(ref _batches);

    /// <summary>Completes once the receiver has refused a batch (it was down when one came).</summary>
    public Task Refused => _refused.Task;

    public string? LastApiKey { get; private set; }

    public static async Task<IntakeReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new IntakeReceiver(app);
        app.MapPost("/api/v2/logs", async (HttpRequest request) =>
        {
            if (receiver.Down)
            {
                receiver._refused.TrySetResult();
                return Results.StatusCode(503);
            }
            receiver.LastApiKey = request.Headers["DD-API-KEY"].FirstOrDefault();
            var batch = (await JsonNode.ParseAsync(request.Body))!.AsArray();
            foreach (var item in batch)
                receiver._events.Enqueue(item!.AsObject());
            Interlocked.Increment(ref receiver._batches);
            return Results.Accepted();
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/api/v2/logs";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
