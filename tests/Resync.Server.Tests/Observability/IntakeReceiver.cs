using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Resync.Testing.Http;

namespace Resync.Server.Tests.Observability;

/// <summary>
/// A log intake on 127.0.0.1 (<see cref="FakeApi"/>) that keeps every event of the batches it takes, and answers 503 while it
/// is <see cref="Down"/>.
/// </summary>
internal sealed class IntakeReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<JsonObject> _events = new();
    private readonly TaskCompletionSource _refused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _batches;
    private FakeApi? _api;

    public string Url => _api!.Url + "/api/v2/logs";

    public bool Down { get; set; }

    public IReadOnlyList<JsonObject> Events => [.. _events];

    public int Batches => Volatile.Read(ref _batches);

    /// <summary>Completes once the receiver has refused a batch (it was down when one came).</summary>
    public Task Refused => _refused.Task;

    public string? LastApiKey { get; private set; }

    public static async Task<IntakeReceiver> StartAsync()
    {
        var receiver = new IntakeReceiver();
        receiver._api = await FakeApi.StartAsync((http, seen) =>
        {
            if (receiver.Down)
            {
                receiver._refused.TrySetResult();
                http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            }
            receiver.LastApiKey = seen.Headers.GetValueOrDefault("DD-API-KEY");
            foreach (var item in JsonNode.Parse(seen.Body)!.AsArray())
                receiver._events.Enqueue(item!.AsObject());
            Interlocked.Increment(ref receiver._batches);
            http.Response.StatusCode = StatusCodes.Status202Accepted;
            return Task.CompletedTask;
        });
        return receiver;
    }

    public ValueTask DisposeAsync() => _api?.DisposeAsync() ?? ValueTask.CompletedTask;
}
