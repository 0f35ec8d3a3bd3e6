using static Resync.Testing.StepHarness;
using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Steps;

public sealed class DedupeStepTests
{
    [Fact]
    public void Dedupe_TheSecondRecordWithAKey_IsADuplicateDataError()
    {
        var step = new DedupeStep("dedupe(email)", "email");

        Apply(step, Record(("email", "a@x.io"))).Result.IsContinue.ShouldBeTrue();
        Apply(step, Record(("email", "b@x.io"))).Result.IsContinue.ShouldBeTrue();
        var error = Apply(step, Record(("email", "a@x.io"))).Result.ShouldFail(ErrorCodes.DuplicateKey);

        error.Type.ShouldBe(ErrorType.DuplicateData);
        error.Fields.ShouldBe(["email"]);
        error.Message.ShouldContain("'a@x.io'");
    }

    [Fact]
    public void Dedupe_WithoutAField_UsesTheRecordKey_AndLetsKeylessRecordsPass()
    {
        var step = new DedupeStep("dedupe(key)", null);

        Apply(step, new Record("k1", [])).Result.IsContinue.ShouldBeTrue();
        Apply(step, new Record("k1", [])).Result.ShouldFail(ErrorCodes.DuplicateKey);
        Apply(step, new Record(null, [])).Result.IsContinue.ShouldBeTrue();
        Apply(step, new Record(null, [])).Result.IsContinue.ShouldBeTrue();
    }

    [Fact]
    public void Dedupe_InANewRun_LetsAKeyOfTheLastRunThrough()
    {
        var step = new DedupeStep("dedupe(id)", "id");

        Apply(step, Record(("id", 1L)), runId: 1).Result.IsContinue.ShouldBeTrue();
        Apply(step, Record(("id", 1L)), runId: 1).Result.IsContinue.ShouldBeFalse();
        Apply(step, Record(("id", 1L)), runId: 2).Result.IsContinue.ShouldBeTrue();
    }

    [Fact]
    public async Task Dedupe_AcrossParallelBatches_LetsExactlyOneRecordPerKeyThrough()
    {
        var step = new DedupeStep("dedupe(id)", "id");
        var passed = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                if (step.Apply(new StepContext(Record(("id", (long)i)), 1)).IsContinue)
                    Interlocked.Increment(ref passed);
            }
        })));

        passed.ShouldBe(5000);
    }
}
