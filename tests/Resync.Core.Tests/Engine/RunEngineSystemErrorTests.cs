using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Resync.Core.Tests.Engine;

/// <summary>System errors: the run cannot start or cannot go on; it stops and fails, and what was under way is accounted for.</summary>
public sealed class RunEngineSystemErrorTests
{
    [Fact]
    public async Task FirstFetch_ConnectionRefused_FailsRunWithSystemError()
    {
        await using var harness = await EngineHarness.StartAsync();
        var refused = new HttpRequestException("Connection refused (api.example.com:443)", new SocketException((int)SocketError.ConnectionRefused));
        var source = ListSource.Paged(3, 5).FailPage(1, refused);
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(source, target));

        result.Status.ShouldBe(RunStatus.Failed);
        var error = result.SystemError.ShouldNotBeNull();
        (error.Scope, error.Type, error.Durability, error.Code, error.Step)
            .ShouldBe((ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionRefused, "source"));
        result.Counts.ShouldBe(new RunCounts(0, 0, 0, 0, 0, 0, 1, 1));
        source.PagesFetched.ShouldBe(1);
        target.BatchesWritten.ShouldBeEmpty();
        (await harness.RecordsAsync(result.RunId)).ShouldBeEmpty();
        (await harness.GetRunAsync(result.RunId)).SystemError!.Code.ShouldBe(ErrorCodes.ConnectionRefused);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, ErrorType.RateLimit)]
    [InlineData(HttpStatusCode.ServiceUnavailable, ErrorType.Connection)]
    [InlineData(HttpStatusCode.Unauthorized, ErrorType.InvalidAccessToken)]
    public async Task FirstFetch_OfflineRateLimitedOrRefusedCredentials_FailsRunWithSystemError(HttpStatusCode status, ErrorType type)
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(3, 5).FailPage(1, new HttpRequestException(status.ToString(), null, status));

        var result = await harness.RunAsync(EngineHarness.Link(source, new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Scope, result.SystemError.Type).ShouldBe((ErrorScope.System, type));
        result.Counts.Read.ShouldBe(0);
        source.PagesFetched.ShouldBe(1);
    }

    [Fact]
    public async Task TargetWithoutAUniqueConstraintForTheKey_StopsTheRun_InsteadOfFailingEveryBatch()
    {
        // Regression: 42P10 (and 3D000, 42P01) failed every batch as a durable batch error, so the whole source was read for nothing.
        await using var harness = await EngineHarness.StartAsync();
        var noConstraint = new Resync.Core.Errors.ResyncException(ErrorClassifier.Default.ClassifySqlState("42P10",
            "there is no unique or exclusion constraint matching the ON CONFLICT specification", null, null));
        var target = new CollectingTarget();
        for (var batch = 1; batch <= 20; batch++)
            target.ThrowOnBatch(batch, noConstraint);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(20, 5), target, new Links.LinkSettings { BatchSize = 5, Parallelism = 1 }));

        result.Status.ShouldBe(RunStatus.Failed);
        var error = result.SystemError.ShouldNotBeNull();
        (error.Scope, error.Code).ShouldBe((ErrorScope.System, "42P10"));
        error.Hint.ShouldNotBeNull().ShouldContain("key");
        target.BatchesWritten.Count.ShouldBeLessThan(20, "the run stopped at the first batch instead of trying every one");
    }

    [Fact]
    public async Task FirstFetch_PageNotValidJson_IsOnlyABatchError()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(2, 5).FailPage(1, new System.Text.Json.JsonException("unexpected end of data"));

        var result = await harness.RunAsync(EngineHarness.Link(source, new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(5, 5, 0, 0, 0, 0, 2, 1));
    }

    [Fact]
    public async Task FirstFetch_SourceThrows_FailsRunWithSystemErrorAndNoBatch()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(3, 5)
            .ThrowAtFirstFetch(new HttpRequestException("Name or service not known (api.example.com:443)", new SocketException((int)SocketError.HostNotFound)));
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(source, target));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Scope, result.SystemError.Type, result.SystemError.Code, result.SystemError.Step)
            .ShouldBe((ErrorScope.System, ErrorType.Connection, ErrorCodes.HostNotFound, "source"));
        result.Counts.ShouldBe(RunCounts.Zero);
        source.PagesFetched.ShouldBe(0);
        target.BatchesWritten.ShouldBeEmpty();
        (await harness.BatchesAsync(result.RunId)).ShouldBeEmpty();
    }

    [Fact]
    public async Task SourceThrowsAfterSomePages_FailsRun_AndPagesReadAreAccountedFor()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(4, 5).ThrowAtFetch(3, new InvalidOperationException("the cursor expired"));

        var result = await harness.RunAsync(EngineHarness.Link(source, new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Type, result.SystemError.Code, result.SystemError.Step).ShouldBe((ErrorType.Runtime, ErrorCodes.Unexpected, "source"));
        result.Counts.ShouldBe(new RunCounts(10, 10, 0, 0, 0, 0, 2, 0));
        (await harness.BatchesAsync(result.RunId)).ShouldAllBe(batch => batch.Status == BatchStatus.Succeeded);
    }

    [Fact]
    public async Task LaterPage_InvalidAccessToken_StopsTheRun()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(4, 5).FailPage(2, new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized));
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(source, target));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Scope, result.SystemError.Type, result.SystemError.Code, result.SystemError.Step)
            .ShouldBe((ErrorScope.System, ErrorType.InvalidAccessToken, "HTTP_401", "source"));
        source.PagesFetched.ShouldBe(2);
        target.BatchesWritten.ShouldBe([1]);
        result.Counts.ShouldBe(new RunCounts(5, 5, 0, 0, 0, 0, 2, 1));

        var batches = await harness.BatchesAsync(result.RunId);
        batches.Select(batch => (batch.Number, batch.Status)).ShouldBe([(1, BatchStatus.Succeeded), (2, BatchStatus.Failed)]);
        batches[1].Error!.Scope.ShouldBe(ErrorScope.System);
    }

    [Fact]
    public async Task SourceIgnoringCancellation_IsNotReadFurtherAfterASystemError()
    {
        // Sources are written by library users and may not observe the token: the engine must stop on its own.
        await using var harness = await EngineHarness.StartAsync();
        var source = new DeafSource(Enumerable.Range(1, 5)
            .Select(number => SourcePage.Failed(number.ToString(CultureInfo.InvariantCulture), new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized)))
            .Append(SourcePage.Of("6", TestRecords.Contacts(1, 3))));

        var result = await harness.RunAsync(EngineHarness.Link(source, new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.Failed);
        result.SystemError!.Code.ShouldBe("HTTP_401");
        result.Counts.ShouldBe(new RunCounts(0, 0, 0, 0, 0, 0, 1, 1));
        source.PagesTaken.ShouldBeLessThanOrEqualTo(2);
    }

    [Fact]
    public async Task TargetThrowsConnectionError_StopsTheRun_AndBatchesUnderWayFinish()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(10, 5);
        var batchOneUnderWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batchTwoUnderWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = new HttpRequestException("Connection refused (db.example.com:5432)", new SocketException((int)SocketError.ConnectionRefused));
        var target = new CollectingTarget().ThrowOnBatch(1, refused);
        target.BeforeWrite = async (batch, cancellationToken) =>
        {
            if (batch.BatchNumber == 1)
            {
                // Batch 1 fails only once batch 2 is under way too.
                batchOneUnderWay.TrySetResult();
                await batchTwoUnderWay.Task.WaitAsync(EngineHarness.Patience, cancellationToken);
            }
            else if (batch.BatchNumber == 2)
            {
                // Batch 2 finishes only after the engine has stopped reading because of batch 1.
                batchTwoUnderWay.TrySetResult();
                await source.ReadingStopped.WaitAsync(EngineHarness.Patience, cancellationToken);
            }
        };

        var result = await harness.RunAsync(EngineHarness.Link(source, target, new LinkSettings { Parallelism = 2 }));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Scope, result.SystemError.Type, result.SystemError.Code, result.SystemError.Step)
            .ShouldBe((ErrorScope.System, ErrorType.Connection, ErrorCodes.ConnectionRefused, "target"));
        // Two batches processing and four queued at most when reading stopped (two per worker), one page waiting to be queued:
        // pages after the seventh were never fetched.
        source.PagesFetched.ShouldBeLessThanOrEqualTo(7);
        source.ReadingStopped.IsCompleted.ShouldBeTrue();

        var batches = await harness.BatchesAsync(result.RunId);
        batches.Count.ShouldBeInRange(2, 6);
        batches[0].ShouldSatisfyAllConditions(
            () => batches[0].Status.ShouldBe(BatchStatus.Failed),
            () => batches[0].Failed.ShouldBe(5),
            () => batches[0].Error!.Scope.ShouldBe(ErrorScope.System));
        // Batch 2 was under way and finished; batches still queued were not sent to the failing target (incomplete).
        batches[1].ShouldSatisfyAllConditions(() => batches[1].Status.ShouldBe(BatchStatus.Succeeded), () => batches[1].Succeeded.ShouldBe(5));
        batches.Skip(2).ShouldAllBe(batch => batch.Status == BatchStatus.Interrupted && batch.Succeeded == 0);
        result.Counts.Incomplete.ShouldBe(batches.Skip(2).Sum(batch => (long)batch.Read));
        result.Counts.Failed.ShouldBe(5);
        target.BatchesWritten.ShouldBeUnique();
    }

    [Theory]
    [InlineData(ErrorType.Connection)]
    [InlineData(ErrorType.RateLimit)]
    [InlineData(ErrorType.InvalidAccessToken)]
    [InlineData(ErrorType.Inconsistency)]
    public async Task TargetThrowsErrorThatStopsTheRun_FailsRun(ErrorType type)
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(6, 2);
        var failure = new ResyncException(new ErrorClassification(type, Durability.Durable, "TARGET_DOWN", "the target cannot take writes", "check it"));
        var target = new CollectingTarget().ThrowOnBatch(1, failure);

        var result = await harness.RunAsync(EngineHarness.Link(source, target, new LinkSettings { Parallelism = 1 }));

        result.Status.ShouldBe(RunStatus.Failed);
        (result.SystemError!.Scope, result.SystemError.Type, result.SystemError.Step).ShouldBe((ErrorScope.System, type, "target"));
        // One batch processing, two queued, one waiting to be queued at most.
        source.PagesFetched.ShouldBeLessThanOrEqualTo(4);
        var batches = await harness.BatchesAsync(result.RunId);
        batches[0].Status.ShouldBe(BatchStatus.Failed);
        (await harness.RecordsAsync(result.RunId, OutcomeKind.Failed)).Select(record => record.Key).ShouldBe(["c1", "c2"]);
    }

    /// <summary>A source that yields its pages and never looks at the cancellation token.</summary>
    private sealed class DeafSource(IEnumerable<SourcePage> pages) : ISource
    {
        private int _taken;

        public int PagesTaken => Volatile.Read(ref _taken);

#pragma warning disable CS1998 // An iterator that never awaits: on purpose, it ignores the token too.
        public async IAsyncEnumerable<SourcePage> ReadAsync(SourceContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
#pragma warning restore CS1998
        {
            foreach (var page in pages)
            {
                Interlocked.Increment(ref _taken);
                yield return page;
            }
        }

        public Task<SourcePage> FetchPageAsync(string cursor, SourceContext context, CancellationToken cancellationToken) =>
            throw new NotSupportedException();
    }
}
