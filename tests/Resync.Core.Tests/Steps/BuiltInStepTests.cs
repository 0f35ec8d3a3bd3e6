using System.Text.RegularExpressions;
using static Resync.Testing.StepHarness;

namespace Resync.Core.Tests.Steps;

/// <summary>The steps that came first: filter, validate, truncate, rename and set.</summary>
public sealed class BuiltInStepTests
{
    [Fact]
    public void Filter_IgnoresMatchingOrEmptyValues_WithTheReason()
    {
        var step = new FilterStep("filter(status)", "status", ["archived"], whenEmpty: true, "archived contacts are not synced");

        Apply(step, Record(("status", "archived"))).Result.IgnoreReason.ShouldBe("archived contacts are not synced");
        Apply(step, Record(("status", ""))).Result.IgnoreReason.ShouldNotBeNull();
        Apply(step, Record(("other", 1L))).Result.IgnoreReason.ShouldNotBeNull();
        Apply(step, Record(("status", "active"))).Result.IsContinue.ShouldBeTrue();
    }

    public static TheoryData<ValidationRules, object?, string?> Validations => new()
    {
        { new ValidationRules { Required = true }, " ", ErrorCodes.Required },
        { new ValidationRules { Required = true }, "x", null },
        { new ValidationRules(), null, null },
        { new ValidationRules { MaxLength = 3 }, "abcd", ErrorCodes.TooLong },
        { new ValidationRules { Pattern = new Regex("^[A-Z]{2}$") }, "abc", ErrorCodes.PatternMismatch },
        { new ValidationRules { Pattern = new Regex("^[A-Z]{2}$") }, "AB", null },
        { new ValidationRules { Email = true }, "a.example.com", ErrorCodes.InvalidEmail },
        { new ValidationRules { Email = true }, "a@example.com", null },
        { new ValidationRules { Min = 0, Max = 10 }, 11L, ErrorCodes.OutOfRange },
        { new ValidationRules { Min = 0, Max = 10 }, "abc", ErrorCodes.InvalidType },
        { new ValidationRules { Min = 0, Max = 10 }, 10L, null },
        { new ValidationRules { OneOf = ["a", "b"] }, "c", ErrorCodes.NotAllowed },
        { new ValidationRules { OneOf = ["a", "b"] }, "b", null },
    };

    [Theory]
    [MemberData(nameof(Validations))]
    public void Validate_FailsWithTheRuleCode_AsADataErrorNamingTheField(ValidationRules rules, object? value, string? code)
    {
        var (result, _, _) = Apply(new ValidateStep("validate(v)", "v", rules), Record(("v", value)));

        if (code is null)
        {
            result.IsContinue.ShouldBeTrue();
            return;
        }
        var error = result.ShouldFail(code);
        error.Type.ShouldBe(ErrorType.Data);
        error.Fields.ShouldBe(["v"]);
    }

    [Fact]
    public void Truncate_CutsWithAWarning_AndNeverFails()
    {
        var (result, record, context) = Apply(new TruncateStep("truncate(notes)", "notes", 5), Record(("notes", "abcdefgh")));

        result.IsContinue.ShouldBeTrue();
        record["notes"].ShouldBe("abcde");
        context.Warnings.ShouldHaveSingleItem().Code.ShouldBe("TRUNCATED");
    }

    [Fact]
    public void RenameAndSet_ChangeTheFields()
    {
        var (_, record, _) = Apply([new RenameStep("rename(a)", "a", "b"), new SetStep("set(c)", "c", "k")], Record(("a", 1L)));

        record.Fields.ShouldBe(new Dictionary<string, object?> { ["b"] = 1L, ["c"] = "k" });
    }
}
