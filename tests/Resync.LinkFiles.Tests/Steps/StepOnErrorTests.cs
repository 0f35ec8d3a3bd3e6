using Resync.Core.Errors;
using Resync.Core.Steps;
using static Resync.LinkFiles.Tests.Steps.StepFiles;
using static Resync.Testing.StepHarness;

namespace Resync.LinkFiles.Tests.Steps;

/// <summary><c>onError</c> on a step: fail (as before), ignore, warn, or a default value with a warning.</summary>
public sealed class StepOnErrorTests
{
    [Fact]
    public void ConvertWithDefault_ValueThatCannotBeConverted_GetsTheDefaultConvertedAndAWarning()
    {
        var steps = Load("  - convert: { field: age, to: integer, onError: default, default: 0 }");

        var (result, record, context) = Apply(steps, Record(("age", "forty")));

        result.IsContinue.ShouldBeTrue();
        record["age"].ShouldBe(0L);
        var warning = context.Warnings.ShouldHaveSingleItem();
        (warning.Step, warning.Code, warning.Field).ShouldBe(("convert(age)", OnErrorStep.WarningCode, "age"));
        warning.Message.ShouldContain(ErrorCodes.InvalidType);
    }

    [Fact]
    public void ConvertWithDefault_ThatFailsTheStepToo_FailsTheRecordSayingSo()
    {
        var steps = Load("  - convert: { field: age, to: integer, onError: default, default: unknown }");

        var error = Apply(steps, Record(("age", "forty"))).Result.ShouldFail(ErrorCodes.InvalidType);

        error.Message.ShouldContain("its default 'unknown' fails too");
    }

    [Fact]
    public void Ignore_RecordTheStepFails_IsIgnoredWithTheStepsError()
    {
        var steps = Load("  - validate: { field: email, required: true, onError: ignore }");

        Apply(steps, Record(("email", ""))).Result.IgnoreReason.ShouldNotBeNull().ShouldContain(ErrorCodes.Required);
    }

    [Fact]
    public void Warn_RecordTheStepFails_GoesOnUnchangedWithAWarning()
    {
        var steps = Load("  - convert: { field: age, to: integer, onError: warn }");

        var (result, record, context) = Apply(steps, Record(("age", "forty")));

        (result.IsContinue, record["age"]).ShouldBe((true, "forty"));
        context.Warnings.ShouldHaveSingleItem().Code.ShouldBe(OnErrorStep.WarningCode);
    }

    [Theory]
    [InlineData("  - convert: { field: age, to: integer, onError: default }", "needs a 'default' value")]
    [InlineData("  - convert: { field: age, to: integer, default: 0 }", "only used with onError: default")]
    [InlineData("  - dedupe: { onError: default, default: x }", "needs a step with a 'field'")]
    [InlineData("  - convert: { field: age, to: integer, onError: skip }", "'skip' is not allowed")]
    public void Misuse_IsRefusedAtTheStep(string steps, string expected) =>
        Parse(steps).Problems.ShouldHaveSingleItem().Message.ShouldContain(expected);
}
