using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using static Resync.Testing.TestRecords;

namespace Resync.Core.Tests.Engine;

/// <summary>Batch errors: one batch fails as a whole, the run goes on with the others and completes with errors.</summary>
public sealed class RunEngineBatchErrorTests
{
    [Fact]
    public async Task PageNotValidJson_FailsOnlyThatBatch_AndRunGoesOn()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(3, 5).FailPage(2, new JsonException("'<' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0."));
        var target = new CollectingTarget();

        var result = await harness.RunAsync(EngineHarness.Link(source, target));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(10, 10, 0, 0, 0, 0, 3, 1));
        source.PagesFetched.ShouldBe(3);
        target.BatchesWritten.Order().ShouldBe([1, 3]);

        var batches = await harness.BatchesAsync(result.RunId);
        batches.Select(batch => batch.Status).ShouldBe([BatchStatus.Succeeded, BatchStatus.Failed, BatchStatus.Succeeded]);
        var failed = batches[1];
        failed.Read.ShouldBe(0);
        failed.Cursor.ShouldBe("2");
        (failed.Error!.Scope, failed.Error.Type, failed.Error.Durability, failed.Error.Code, failed.Error.Step)
            .ShouldBe((ErrorScope.Batch, ErrorType.IncompleteData, Durability.Ephemeral, ErrorCodes.InvalidJson, "source"));

        var run = await harness.GetRunAsync(result.RunId);
        var shown = run.BatchErrors.ShouldHaveSingleItem();
        (shown.BatchNumber, shown.Cursor, shown.Error.Code).ShouldBe((2, "2", ErrorCodes.InvalidJson));
        run.SystemError.ShouldBeNull();
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(400)]
    public async Task LaterPageAnswersHttpError_FailsOnlyThatBatch(int status)
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(3, 5).FailPage(2, new HttpRequestException($"HTTP {status}", null, (HttpStatusCode)status));

        var result = await harness.RunAsync(EngineHarness.Link(source, new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.Counts.ShouldBe(new RunCounts(10, 10, 0, 0, 0, 0, 3, 1));
        var failed = (await harness.BatchesAsync(result.RunId)).Single(batch => batch.Status == BatchStatus.Failed);
        (failed.Number, failed.Error!.Scope, failed.Error.Code).ShouldBe((2, ErrorScope.Batch, $"HTTP_{status}"));
    }

    [Fact]
    public async Task LaterPage_ConnectionRefused_FailsOnlyThatBatch()
    {
        // Offline at the first fetch stops the run; offline later fails one page only (it is retried by cursor).
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(3, 5).FailPage(3, new HttpRequestException("Connection refused", new SocketException((int)SocketError.ConnectionRefused)));

        var result = await harness.RunAsync(EngineHarness.Link(source, new CollectingTarget()));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(10, 10, 0, 0, 0, 0, 3, 1));
        var failed = (await harness.BatchesAsync(result.RunId)).Single(batch => batch.Status == BatchStatus.Failed);
        (failed.Number, failed.Error!.Scope, failed.Error.Type, failed.Error.Code)
            .ShouldBe((3, ErrorScope.Batch, ErrorType.Connection, ErrorCodes.ConnectionRefused));
    }

    [Fact]
    public async Task TargetThrowsDataError_FailsThatBatchOnly_WithEveryRecordOfIt()
    {
        await using var harness = await EngineHarness.StartAsync();
        var source = ListSource.Paged(3, 5);
        var target = new CollectingTarget().ThrowOnBatch(2, new HttpRequestException("Unprocessable Entity", null, HttpStatusCode.UnprocessableEntity));

        var result = await harness.RunAsync(EngineHarness.Link(source, target));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(15, 10, 5, 0, 0, 0, 3, 1));
        source.PagesFetched.ShouldBe(3);
        target.Written.Select(Id).Order().ShouldBe([1, 2, 3, 4, 5, 11, 12, 13, 14, 15]);

        var batches = await harness.BatchesAsync(result.RunId);
        batches.Select(batch => batch.Status).ShouldBe([BatchStatus.Succeeded, BatchStatus.Failed, BatchStatus.Succeeded]);
        var error = batches[1].Error.ShouldNotBeNull();
        (error.Scope, error.Type, error.Durability, error.Code, error.Step).ShouldBe((ErrorScope.Batch, ErrorType.Data, Durability.Durable, "HTTP_422", "target"));
        (batches[1].Read, batches[1].Failed).ShouldBe((5, 5));

        var failed = await harness.RecordsAsync(result.RunId, OutcomeKind.Failed);
        failed.Select(record => record.Key).ShouldBe(["c6", "c7", "c8", "c9", "c10"]);
        failed.ShouldAllBe(record => record.BatchNumber == 2 && record.Error!.Scope == ErrorScope.Batch && record.Error.Code == "HTTP_422"
            && record.BeforeJson != null);
        // A whole-batch failure is shown as a batch error, not as a group of record errors.
        (await harness.ErrorGroupsAsync(result.RunId)).ShouldBeEmpty();
        (await harness.GetRunAsync(result.RunId)).BatchErrors.ShouldHaveSingleItem().BatchNumber.ShouldBe(2);
    }

    [Theory]
    [InlineData(ErrorType.Data)]
    [InlineData(ErrorType.DuplicateData)]
    [InlineData(ErrorType.IncompleteData)]
    [InlineData(ErrorType.Runtime)]
    public async Task TargetThrowsErrorOfOneBatch_FailsOnlyThatBatch(ErrorType type)
    {
        await using var harness = await EngineHarness.StartAsync();
        var failure = new ResyncException(new ErrorClassification(type, Durability.Durable, "BULK_REFUSED", "bulk write refused", "see the target's log"));
        var target = new CollectingTarget().ThrowOnBatch(1, failure);

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(2, 3), target, new LinkSettings { Parallelism = 1 }));

        result.Status.ShouldBe(RunStatus.CompletedWithErrors);
        result.SystemError.ShouldBeNull();
        result.Counts.ShouldBe(new RunCounts(6, 3, 3, 0, 0, 0, 2, 1));
        (await harness.BatchesAsync(result.RunId)).Select(batch => (batch.Status, batch.Error?.Type)).ShouldBe(
            [(BatchStatus.Failed, (ErrorType?)type), (BatchStatus.Succeeded, null)]);
    }

    [Fact]
    public async Task TargetThrowsForBatch_RecordsAStepFailedKeepTheirRecordError()
    {
        await using var harness = await EngineHarness.StartAsync();
        var required = new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.Required, "email is required", "Map it.", ["email"]);
        var step = DelegateStep.FailWhen("require-email", record => Id(record) == 2, required);
        var target = new CollectingTarget().ThrowOnBatch(1, new HttpRequestException("Bad Request", null, HttpStatusCode.BadRequest));

        var result = await harness.RunAsync(EngineHarness.Link(ListSource.Paged(1, 3), target, steps: step));

        result.Counts.ShouldBe(new RunCounts(3, 0, 3, 0, 0, 0, 1, 1));
        var failed = await harness.RecordsAsync(result.RunId, OutcomeKind.Failed);
        failed.Select(record => (record.Key, record.Error!.Scope, record.Error.Code)).ShouldBe(
            [("c1", ErrorScope.Batch, "HTTP_400"), ("c2", ErrorScope.Record, ErrorCodes.Required), ("c3", ErrorScope.Batch, "HTTP_400")]);
        (await harness.ErrorGroupsAsync(result.RunId)).ShouldHaveSingleItem().Code.ShouldBe(ErrorCodes.Required);
    }
}
