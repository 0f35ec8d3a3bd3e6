using System.Collections.Concurrent;
using Resync.Testing.Faults;

namespace Resync.Connectors.Tests.Faults;

/// <summary>
/// Faults between Resync and its sources and targets (issue 17's scenarios 11, 13 and 17, and the network faults of the fault
/// proxy), each checked by its exact accounting: read = succeeded + failed + ignored + incomplete, and every record in the
/// target once (the sink counts writes per key).
/// </summary>
public sealed class NetworkFaultTests : IAsyncLifetime
{
    private const int Records = 7;
    private readonly ConcurrentDictionary<string, int> _written = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);
    private int _replayed;
    private FakeApi _source = null!;
    private FakeApi _sink = null!;

    /// <summary>How the sink answers a record's n-th attempt (null: it writes the record and answers 201).</summary>
    private Func<string, int, HttpResponseAnswer?> _answer = (_, _) => null;

    public async Task InitializeAsync()
    {
        _source = await FakeApi.StartAsync((context, seen) =>
        {
            var page = Contacts.Number(seen.Parameter("page"), 1);
            return FakeApi.Json(context, Contacts.Range((page - 1) * 3 + 1, Math.Min(page * 3, Records)));
        });
        _sink = await FakeApi.StartAsync((context, seen) =>
        {
            var attempt = _attempts.AddOrUpdate(seen.Path, 1, (_, n) => n + 1);
            if (_answer(seen.Path, attempt) is { } answer)
            {
                if (answer.RetryAfter is { } after)
                    context.Response.Headers.RetryAfter = after;
                return FakeApi.Json(context, new { message = answer.Message }, answer.Status);
            }
            // An API honouring idempotency keys: a write whose key it has seen is answered again, not done again.
            if (seen.Headers.TryGetValue(HttpTargetOptions.DefaultIdempotencyHeader, out var key) && !_keys.TryAdd(key, seen.Path))
            {
                Interlocked.Increment(ref _replayed);
                return FakeApi.Json(context, new { ok = true }, 201);
            }
            _written.AddOrUpdate(seen.Path, 1, (_, n) => n + 1);
            return FakeApi.Json(context, new { ok = true }, 201);
        });
    }

    [Theory]
    [InlineData(FaultKind.ResetMidAnswer)]
    [InlineData(FaultKind.TruncatedAnswer)]
    [InlineData(FaultKind.Latency)]
    [InlineData(FaultKind.SlowDrip)]
    public async Task HttpPull_ThroughAFaultyNetwork_RecoversWithinTheCall_AndWritesEveryRecordOnce(FaultKind kind)
    {
        await using var proxy = FaultProxy.Start(_source.Url);
        proxy.Inject(kind switch
        {
            FaultKind.Latency => new Fault(kind, Delay: TimeSpan.FromMilliseconds(20)),
            FaultKind.SlowDrip => new Fault(kind, Delay: TimeSpan.FromMilliseconds(1), Connections: 1),
            _ => new Fault(kind, Bytes: 60, Connections: 2),
        });
        await using var engine = await EngineRun.StartAsync();

        await using var target = Target(engine);

        var (result, _) = await engine.RunAsync(Source(proxy.Url), target);

        proxy.Struck.IsCompleted.ShouldBeTrue("the fault struck");
        result.Status.ShouldBe(RunStatus.Succeeded);
        (result.Counts.Read, result.Counts.Succeeded).ShouldBe((Records, Records));
        EveryRecordWrittenOnce();
    }

    [Fact]
    public async Task RateLimited_WithRetryAfter_IsWaitedFor_NoRecordFailsBeforeTheAttemptsAreUsedUp_AndTheResumeWritesEveryRecordOnce()
    {
        // Scenario 11: c2 gets 429 twice then passes; c4 (the first of its batch, records sent one at a time) gets 429 at
        // every attempt (3) of the run.
        _answer = (path, attempt) => (path, attempt) switch
        {
            ("/contacts/c2", <= 2) or ("/contacts/c4", <= 3) => new HttpResponseAnswer(429, "slow down", "7"),
            _ => null,
        };
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        await using var target = Target(engine);
        var link = new Link("faults", Source(_source.Url), [], target, EngineRun.Settings());

        var outcome = await runner.RunAsync(link, new RunRequest());

        engine.Clock.Waits.Count(wait => wait == TimeSpan.FromSeconds(7)).ShouldBe(4, "Retry-After is honoured at each retry: twice for c2, twice for c4");
        _written["/contacts/c2"].ShouldBe(1, "c2 passed at its third attempt: not failed");
        // A rate limit still there after the attempts stops the run (the link's backoff takes over); what it did not write waits.
        var run = outcome.Run;
        (run.Status, run.SystemError!.Type).ShouldBe((RunStatus.Failed, ErrorType.RateLimit));
        run.Counts.IsBalanced.ShouldBeTrue();
        run.Counts.Read.ShouldBe(run.Counts.Succeeded + run.Counts.Failed + run.Counts.Ignored + run.Counts.Incomplete);
        run.Counts.Succeeded.ShouldBe(_written.Count);
        _written.ContainsKey("/contacts/c4").ShouldBeFalse();
        var parked = outcome.IncompleteRunId.ShouldNotBeNull();

        // The API is back: the resume writes the rest, each record once.
        _answer = (_, _) => null;
        (await runner.RetryIncompleteAsync(link, parked)).Status.ShouldBe(RunStatus.Succeeded);
        (await engine.Store.GetRunAsync(run.RunId, CancellationToken.None))!.Status.ShouldBe(RunStatus.Succeeded);
        EveryRecordWrittenOnce();
    }

    [Fact]
    public async Task PartialBatchFailure_CommitsTheGoodRecords_KeepsTheFailuresWithSnapshots_AndTheCountsReconcile()
    {
        // Scenario 13: in each batch of three, some records are refused for their data; the others are written.
        _answer = (path, _) => path is "/contacts/c2" or "/contacts/c6" ? new HttpResponseAnswer(422, "email is invalid", null) : null;
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        await using var target = Target(engine);
        var link = new Link("faults", Source(_source.Url), [], target, EngineRun.Settings());

        var run = (await runner.RunAsync(link, new RunRequest())).Run;

        (run.Counts.Read, run.Counts.Succeeded, run.Counts.Failed, run.Counts.Ignored, run.Counts.Incomplete).ShouldBe((Records, Records - 2L, 2L, 0L, 0L));
        run.Counts.IsBalanced.ShouldBeTrue();
        var batches = await engine.Store.ListBatchesAsync(run.RunId, 0, 100, CancellationToken.None);
        // On a busy machine the empty page past the end may be handed over pending (slower than none) and be an empty batch.
        batches.Where(b => b.Read > 0).Select(b => b.Status).ShouldBe([BatchStatus.CompletedWithErrors, BatchStatus.CompletedWithErrors, BatchStatus.Succeeded]);
        batches.Skip(3).ShouldAllBe(b => b.Read == 0 && b.Status == BatchStatus.Succeeded);
        var failed = await engine.Store.ListRecordsAsync(run.RunId, new RecordFilter(), CancellationToken.None);
        failed.Select(r => r.Key).ShouldBe(["c2", "c6"]);
        failed.ShouldAllBe(r => r.BeforeJson != null && r.Error!.Type == ErrorType.Data);
        _written.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(1, Records).Where(i => i is not (2 or 6)).Select(i => $"/contacts/c{i}").Order(StringComparer.Ordinal));
        _written.Values.ShouldAllBe(n => n == 1);

        // Fixed at the target: the retry writes the two failures, and only them.
        _answer = (_, _) => null;
        (await runner.RetryFailuresAsync(link, run.RunId)).Counts.Read.ShouldBe(2);
        EveryRecordWrittenOnce();
    }

    [Fact]
    public async Task TargetAnswerLost_AfterItCommitted_TheCallsRetrySendsTheSameIdempotencyKey_AndNothingIsWrittenTwice()
    {
        // Scenario 12: the target writes the record, then the connection is reset before its answer arrives; the call is
        // retried with the same key, and the target (which honours it) answers without writing again.
        await using var proxy = SinkLosingAnswers(connections: 1);
        await using var engine = await EngineRun.StartAsync();
        await using var target = Target(engine, proxy.Url);

        var (result, _) = await engine.RunAsync(Source(_source.Url), target);

        proxy.Struck.IsCompleted.ShouldBeTrue("an answer was lost");
        (result.Status, result.Counts.Read, result.Counts.Succeeded).ShouldBe((RunStatus.Succeeded, (long)Records, (long)Records));
        Volatile.Read(ref _replayed).ShouldBe(1, "the lost answer's write was sent again, with its key");
        EveryRecordWrittenOnce();
    }

    [Fact]
    public async Task TargetAnswerLost_AtEveryAttempt_StopsTheRun_AndTheResumeSendsTheSameKey_SoNothingIsWrittenTwice()
    {
        // Scenario 12 across runs: every attempt of one record's call loses its answer after the target wrote it; the run
        // stops (the target looks unreachable), and its resume sends the record again with the same key.
        await using var proxy = SinkLosingAnswers(connections: 3);
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        await using var target = Target(engine, proxy.Url);
        var link = new Link("faults", Source(_source.Url), [], target, EngineRun.Settings() with { Parallelism = 1 });

        var outcome = await runner.RunAsync(link, new RunRequest());

        var run = outcome.Run;
        (run.Status, run.SystemError!.Type).ShouldBe((RunStatus.Failed, ErrorType.Connection));
        run.Counts.IsBalanced.ShouldBeTrue();
        (run.Counts.Succeeded, run.Counts.Failed).ShouldBe((0L, 0L), "the first record's answer was lost: nothing is known written");
        run.Counts.Incomplete.ShouldBe(run.Counts.Read);
        (await runner.RetryIncompleteAsync(link, outcome.IncompleteRunId.ShouldNotBeNull())).Status.ShouldBe(RunStatus.Succeeded);
        Volatile.Read(ref _replayed).ShouldBe(3, "the call's two retries and the resume sent c1 again, with its key");
        EveryRecordWrittenOnce();
    }

    [Fact]
    public async Task PerRecordTarget_StoppedMidBatch_CountsWhatItWrote_AndTheResumeWritesOnlyTheRest()
    {
        // Regression: a per-record target stopped by a run-stopping error (here the credentials refused at c2) had the records
        // it wrote before the stop counted as not written, and the resume wrote them again. With the keys off, only the
        // accounting keeps c1 from being written twice.
        var expired = true;
        _answer = (path, _) => expired && path == "/contacts/c2" ? new HttpResponseAnswer(401, "token expired", null) : null;
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        await using var target = new HttpJsonTarget(new HttpTargetOptions
        {
            Url = $"{_sink.Url}/contacts/{{id}}",
            Method = HttpMethod.Put,
            Concurrency = 1,
            IdempotencyHeader = null,
            Call = TestCalls.Fast(),
            Clock = engine.Clock,
        });
        var link = new Link("faults", Source(_source.Url), [], target, EngineRun.Settings() with { Parallelism = 1 });

        var outcome = await runner.RunAsync(link, new RunRequest());

        var run = outcome.Run;
        (run.Status, run.SystemError!.Type).ShouldBe((RunStatus.Failed, ErrorType.InvalidAccessToken));
        run.Counts.IsBalanced.ShouldBeTrue();
        (run.Counts.Succeeded, run.Counts.Failed, run.Counts.Ignored).ShouldBe((1L, 0L, 0L), "c1 was written before the stop");
        run.Counts.Incomplete.ShouldBe(run.Counts.Read - 1);
        var batch = (await engine.Store.ListBatchesAsync(run.RunId, 0, 10, CancellationToken.None))[0];
        (batch.Status, batch.Succeeded).ShouldBe((BatchStatus.CompletedWithErrors, 1));
        _written.Keys.ShouldBe(["/contacts/c1"]);

        expired = false;
        (await runner.RetryIncompleteAsync(link, outcome.IncompleteRunId.ShouldNotBeNull())).Status.ShouldBe(RunStatus.Succeeded);
        Volatile.Read(ref _replayed).ShouldBe(0);
        EveryRecordWrittenOnce();
    }

    [Fact]
    public async Task ManualRetry_WhileTheOriginalRunStillRuns_IsRefused_AndNothingIsWrittenTwice()
    {
        // Scenario 17: c4 fails, and the run is held in its last batch while someone asks to retry it.
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _answer = (path, _) => path == "/contacts/c4" ? new HttpResponseAnswer(422, "email is invalid", null) : null;
        await using var engine = await EngineRun.StartAsync();
        var runner = engine.Runner;
        await using var hold = new HoldingTarget(Target(engine), batch: 3, held, release.Task);
        var link = new Link("faults", Source(_source.Url), [], hold, EngineRun.Settings() with { Parallelism = 1 });
        var progress = new RunProgress();
        var running = runner.RunAsync(link, new RunRequest(), progress);
        await held.Task.WaitAsync(TimeSpan.FromMinutes(1));

        var refused = await Should.ThrowAsync<InvalidOperationException>(() => runner.RetryFailuresAsync(link, progress.RunId));

        refused.Message.ShouldBe($"Run {progress.RunId} is still running; its failures can be retried once it has ended.");
        release.SetResult();
        var run = (await running).Run;
        (run.Counts.Read, run.Counts.Succeeded, run.Counts.Failed).ShouldBe((Records, Records - 1L, 1L));
        (await engine.Store.ListChildRunsAsync(run.RunId, CancellationToken.None)).ShouldBeEmpty("the refused retry opened no run");
        _written.ContainsKey("/contacts/c4").ShouldBeFalse();
        _written.Values.ShouldAllBe(n => n == 1);
    }

    private static Core.Sdk.ISource Source(string url) =>
        HttpJsonSource.Create(new HttpSourceOptions
        {
            Url = url,
            Paging = new HttpPaging { Style = HttpPagingStyle.Page },
            Call = TestCalls.Fast(),
        });

    private HttpJsonTarget Target(EngineRun engine, string? url = null) =>
        new(new HttpTargetOptions
        {
            Url = $"{url ?? _sink.Url}/contacts/{{id}}",
            Method = HttpMethod.Put,
            Concurrency = 1,
            Call = TestCalls.Fast(),
            Clock = engine.Clock,
        });

    /// <summary>A proxy to the sink that resets the first <paramref name="connections"/> connections once the sink has answered, so the answers are lost.</summary>
    private FaultProxy SinkLosingAnswers(int connections)
    {
        var proxy = FaultProxy.Start(_sink.Url);
        proxy.Inject(new Fault(FaultKind.ResetMidAnswer, Bytes: 0, Connections: connections));
        return proxy;
    }

    private void EveryRecordWrittenOnce()
    {
        _written.Keys.Order(StringComparer.Ordinal).ShouldBe(Enumerable.Range(1, Records).Select(i => $"/contacts/c{i}").Order(StringComparer.Ordinal));
        _written.Where(pair => pair.Value != 1).ShouldBeEmpty();
    }

    public async Task DisposeAsync()
    {
        await _source.DisposeAsync();
        await _sink.DisposeAsync();
    }

    /// <summary>What the sink answers instead of writing.</summary>
    private sealed record HttpResponseAnswer(int Status, string Message, string? RetryAfter);

    /// <summary>Passes batches to the target, holding batch <paramref name="batch"/> until released.</summary>
    private sealed class HoldingTarget(Core.Sdk.ITarget inner, int batch, TaskCompletionSource held, Task release) : Core.Sdk.ITarget
    {
        public async Task<Core.Sdk.TargetWriteResult> WriteAsync(Core.Sdk.TargetBatch write, CancellationToken cancellationToken)
        {
            if (write.BatchNumber == batch)
            {
                held.TrySetResult();
                await release;
            }
            return await inner.WriteAsync(write, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
