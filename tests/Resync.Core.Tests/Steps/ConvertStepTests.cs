using static Resync.Testing.StepHarness;

namespace Resync.Core.Tests.Steps;

public sealed class ConvertStepTests
{
    public static TheoryData<ConversionType, object?, object?> Conversions => new()
    {
        { ConversionType.Integer, "42", 42L },
        { ConversionType.Integer, " -7 ", -7L },
        { ConversionType.Integer, 3.0m, 3L },
        { ConversionType.Integer, 5.0, 5L },
        { ConversionType.Number, "9.95", 9.95m },
        { ConversionType.Number, "1e3", 1000m },
        { ConversionType.Number, 4L, 4m },
        { ConversionType.Boolean, "Yes", true },
        { ConversionType.Boolean, "0", false },
        { ConversionType.Boolean, 1L, true },
        { ConversionType.Date, "2026-01-31", new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero) },
        { ConversionType.Date, "2026-01-31T09:30:00+02:00", new DateTimeOffset(2026, 1, 31, 9, 30, 0, TimeSpan.FromHours(2)) },
        { ConversionType.Date, "2026-01-31T09:30:00.5Z", new DateTimeOffset(2026, 1, 31, 9, 30, 0, 500, TimeSpan.Zero) },
        { ConversionType.Text, 42L, "42" },
        { ConversionType.Text, true, "true" },
        { ConversionType.Text, 1.5m, "1.5" },
        { ConversionType.Integer, "", null },
        { ConversionType.Date, "  ", null },
    };

    [Theory]
    [MemberData(nameof(Conversions))]
    public void Convert_TurnsTheValueIntoTheType(ConversionType to, object? value, object? expected)
    {
        var (result, record, _) = Apply(new ConvertStep("convert(v)", "v", to), Record(("v", value)));

        result.IsContinue.ShouldBeTrue();
        record["v"].ShouldBe(expected);
        record["v"]?.GetType().ShouldBe(expected?.GetType());
    }

    [Theory]
    [InlineData(ConversionType.Integer, "4.5")]
    [InlineData(ConversionType.Integer, "twelve")]
    [InlineData(ConversionType.Number, "1,5")]
    [InlineData(ConversionType.Boolean, "maybe")]
    [InlineData(ConversionType.Date, "31/01/2026")]
    [InlineData(ConversionType.Date, "2026-02-30")]
    public void Convert_OfAValueThatIsNotOfTheType_IsADataErrorNamingTheFieldAndValue(ConversionType to, string value)
    {
        var (result, record, _) = Apply(new ConvertStep("convert(qty)", "qty", to), Record(("qty", value)));

        var error = result.ShouldFail(ErrorCodes.InvalidType);
        error.Type.ShouldBe(ErrorType.Data);
        error.Durability.ShouldBe(Durability.Durable);
        error.Fields.ShouldBe(["qty"]);
        error.Message.ShouldStartWith($"qty '{value}' is not ");
        record["qty"].ShouldBe(value);
    }

    [Fact]
    public void Convert_OfAMissingField_ChangesNothing()
    {
        var (result, record, _) = Apply(new ConvertStep("convert(v)", "v", ConversionType.Integer), Record(("other", "x")));

        result.IsContinue.ShouldBeTrue();
        record.Fields.ContainsKey("v").ShouldBeFalse();
    }
}
