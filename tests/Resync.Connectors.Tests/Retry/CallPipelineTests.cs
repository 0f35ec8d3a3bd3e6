namespace Resync.Connectors.Tests.Retry;

/// <summary>The one retry every connector call goes through, its schedule moved by a manual clock.</summary>
public sealed class CallPipelineTests
{
    private static readonly ErrorClassification LockContention = ErrorClassifier.Default.ClassifySqlState("40001", "could not serialize access", null, null);
    private readonly ManualTimeProvider _clock = new();

    [Fact]
    public async Task EphemeralFailure_IsMadeAgain_OnlyOnceTheClockReachesTheDelay()
    {
        var pipeline = Pipeline(new CallRetry { Attempts = 3, Delay = TimeSpan.FromSeconds(1), Clock = _clock });
        var attempts = new List<DateTimeOffset>();

        var call = pipeline.ExecuteAsync((attempt, _) =>
        {
            attempts.Add(_clock.GetUtcNow());
            return attempt.Number < 3 ? throw new ResyncException(LockContention with { RetryAfter = TimeSpan.FromSeconds(5) }) : ValueTask.FromResult("written");
        }, CancellationToken.None);

        await Eventually.TrueAsync(() => _clock.PendingTimers == 1, "the delay before the second attempt");
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        (attempts.Count, _clock.PendingTimers).ShouldBe((1, 1), "the second attempt waits for the whole delay");
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.TrueAsync(() => _clock.PendingTimers == 1, "the delay before the third attempt");
        _clock.Advance(TimeSpan.FromSeconds(5));
        (await call.WaitAsync(Patience.Limit)).ShouldBe("written");
        attempts.Select(at => at - ManualTimeProvider.DefaultStart).ShouldBe([TimeSpan.Zero, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)]);
    }

    [Fact]
    public async Task ComputedDelay_IsCappedAtTheMaxDelay()
    {
        var pipeline = Pipeline(new CallRetry { Attempts = 2, Delay = TimeSpan.FromHours(1), Clock = _clock });
        var attempts = 0;

        var call = pipeline.ExecuteAsync((attempt, _) =>
        {
            attempts++;
            return attempt.Number == 1 ? throw new ResyncException(LockContention) : ValueTask.FromResult(true);
        }, CancellationToken.None);

        await Eventually.TrueAsync(() => _clock.PendingTimers == 1, "the delay before the second attempt");
        _clock.Advance(CallRetry.DefaultMaxDelay);
        (await call.WaitAsync(Patience.Limit)).ShouldBeTrue();
        attempts.ShouldBe(2);
    }

    [Fact]
    public async Task AttemptsExhausted_FailWithTheClassification_AndTheAttemptsMade()
    {
        var pipeline = Pipeline(new CallRetry { Attempts = 2, Clock = _clock });

        var call = pipeline.ExecuteAsync<bool>((_, _) => throw new ResyncException(LockContention), CancellationToken.None);
        await Eventually.TrueAsync(() => _clock.PendingTimers == 1, "the delay before the second attempt");
        _clock.Advance(CallRetry.DefaultMaxDelay);

        var failure = (await Should.ThrowAsync<ResyncException>(call.WaitAsync(Patience.Limit))).Classification;
        (failure.Code, failure.Attempts, failure.Durability).ShouldBe(("40001", 2, Durability.Ephemeral));
        failure.Message.ShouldEndWith("(after 2 attempts)");
    }

    [Fact]
    public async Task OneAttempt_IsNotRetried()
    {
        var pipeline = Pipeline(new CallRetry { Attempts = 1, Clock = _clock });
        var attempts = 0;

        var failure = await Should.ThrowAsync<ResyncException>(() => pipeline.ExecuteAsync<bool>((_, _) =>
        {
            attempts++;
            throw new ResyncException(LockContention);
        }, CancellationToken.None));

        attempts.ShouldBe(1);
        failure.Classification.Attempts.ShouldBe(1);
        _clock.PendingTimers.ShouldBe(0);
    }

    [Theory]
    [InlineData("durable")]
    [InlineData("circuit open")]
    [InlineData("retry-after beyond the limit")]
    [InlineData("committed")]
    public async Task FailureThatMustNotBeRepeated_FailsAtTheFirstAttempt(string why)
    {
        var pipeline = Pipeline(new CallRetry { Attempts = 5, Clock = _clock });
        var attempts = 0;

        await Should.ThrowAsync<ResyncException>(() => pipeline.ExecuteAsync<bool>((attempt, _) =>
        {
            attempts++;
            if (why == "committed")
                attempt.Committed();
            throw new ResyncException(why switch
            {
                "durable" => ErrorClassifier.Default.ClassifySqlState("23505", "duplicate key", null, null),
                "circuit open" => new ErrorClassification(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.CircuitOpen, "held"),
                "retry-after beyond the limit" => LockContention with { RetryAfter = TimeSpan.FromMinutes(5) },
                _ => LockContention,
            });
        }, CancellationToken.None));

        attempts.ShouldBe(1);
    }

    private static CallPipeline Pipeline(CallRetry retry) => new(retry, ErrorClassifier.Default);
}
