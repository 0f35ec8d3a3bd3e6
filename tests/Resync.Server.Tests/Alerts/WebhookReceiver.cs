using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Resync.Testing.Http;

namespace Resync.Server.Tests.Alerts;

/// <summary>A webhook receiver: a real HTTP server on 127.0.0.1 (<see cref="FakeApi"/>) that answers the statuses it is told to (then 200).</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<int> _answers = new();
    private FakeApi? _api;

    public string Url => _api!.Url + "/hook";

    public IReadOnlyList<ReceivedWebhook> Received =>
        [.. _api!.Requests.Select(r => new ReceivedWebhook(r.Headers["webhook-id"], r.Headers["webhook-timestamp"], r.Headers["webhook-signature"], r.Body))];

    /// <summary>Awaited before answering each request (after it is recorded): lets a test keep a delivery in flight.</summary>
    public Func<CancellationToken, Task>? BeforeAnswer { get; set; }

    /// <summary>Starts a receiver that answers <paramref name="firstAnswers"/> to the first requests, in order, and 200 after them.</summary>
    public static async Task<WebhookReceiver> StartAsync(params int[] firstAnswers)
    {
        var receiver = new WebhookReceiver();
        foreach (var status in firstAnswers)
            receiver._answers.Enqueue(status);
        receiver._api = await FakeApi.StartAsync(async (http, _) =>
        {
            if (receiver.BeforeAnswer is { } hold)
                await hold(http.RequestAborted);
            http.Response.StatusCode = receiver._answers.TryDequeue(out var status) ? status : StatusCodes.Status200OK;
        });
        return receiver;
    }

    public ValueTask DisposeAsync() => _api!.DisposeAsync();
}

/// <summary>One webhook as received: the Standard Webhooks headers and the body.</summary>
internal sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body)
{
    /// <summary>Checks the signature as a receiver would: HMAC-SHA256 of "{id}.{timestamp}.{body}" with the secret's base64 bytes.</summary>
    public bool VerifiesWith(string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{Id}.{Timestamp}.{Body}")));
        return Signature.Split(' ').Any(candidate => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), Encoding.UTF8.GetBytes(expected)));
    }
}
