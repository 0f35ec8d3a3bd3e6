using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Resync.Testing.Http;

namespace Resync.Cli.Tests;

/// <summary>
/// An HTTP target on loopback (<c>PUT /contacts/{id}</c>) slow enough that a stop comes while batches are under way: each record
/// takes a while. Counts the writes of each record and says when the first ones are in.
/// </summary>
internal sealed class SlowHttpTarget : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _written = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _writing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FakeApi? _api;

    /// <summary>How many times each record was written, by its path (<c>/contacts/{id}</c>).</summary>
    public IReadOnlyDictionary<string, int> Written => _written;

    /// <summary>Completes once the number of records given at start are written.</summary>
    public Task Writing => _writing.Task;

    public string Url => (_api ?? throw new InvalidOperationException("The target is started by StartAsync.")).Url;

    /// <param name="perRecord">How long each record takes.</param>
    /// <param name="writingAfter">How many records make <see cref="Writing"/> complete.</param>
    /// <param name="thenEach">Called with the path of each record written from then on, before it is answered: a test holds the target there.</param>
    public static async Task<SlowHttpTarget> StartAsync(TimeSpan perRecord, int writingAfter, Func<string, Task>? thenEach = null)
    {
        var target = new SlowHttpTarget();
        target._api = await FakeApi.StartAsync(async (context, request) =>
        {
            await Task.Delay(perRecord, CancellationToken.None);
            target._written.AddOrUpdate(request.Path, 1, (_, n) => n + 1);
            if (target._written.Count >= writingAfter)
            {
                target._writing.TrySetResult();
                if (thenEach is not null)
                    await thenEach(request.Path);
            }
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        return target;
    }

    public ValueTask DisposeAsync() => _api?.DisposeAsync() ?? ValueTask.CompletedTask;
}
