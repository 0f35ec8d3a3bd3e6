using System.Globalization;

namespace Resync.Core.Tests.Engine;

public sealed class PlainDecimalTests
{
    [Theory]
    [InlineData("0.5")]
    [InlineData("12345.67")]
    [InlineData("-12345.67")]
    [InlineData("1.50")]
    [InlineData("007.25")]
    [InlineData("42")]
    [InlineData("-1")]
    [InlineData("0.000000001")]
    [InlineData("999999999999999999")]
    [InlineData("99999999.9999999999")]
    public void TryParse_APlainDecimal_GivesWhatDecimalParseGives_ScaleIncluded(string text)
    {
        PlainDecimal.TryParse(text, out var value).ShouldBeTrue();

        var expected = decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        value.ShouldBe(expected);
        value.Scale.ShouldBe(expected.Scale);
        PlainDecimal.Format(value).ShouldBe(expected.ToString(CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".5")]
    [InlineData("12.")]
    [InlineData("+12")]
    [InlineData("1e5")]
    [InlineData("1,000")]
    [InlineData("1.2.3")]
    [InlineData(" 12")]
    [InlineData("0")]
    [InlineData("-0.00")]
    [InlineData("1234567890123456789")] // 19 digits: beyond the plain form, parsed the general way
    [InlineData("١٢")] // Arabic-Indic digits: not ASCII
    public void TryParse_AnythingElse_IsLeftToTheGeneralRoutine(string text) =>
        PlainDecimal.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void Format_ManyDecimals_IsWhatToStringGives()
    {
        var random = new Random(20261204);
        for (var i = 0; i < 100_000; i++)
        {
            var value = new decimal(random.Next(), random.Next(4) == 0 ? random.Next() : random.Next(3), random.Next(8) == 0 ? random.Next(2) : 0,
                random.Next(2) == 0, (byte)random.Next(29));
            PlainDecimal.Format(value).ShouldBe(value.ToString(CultureInfo.InvariantCulture), $"{value}");
        }
        PlainDecimal.Format(0m).ShouldBe("0");
        PlainDecimal.Format(-0.00m).ShouldBe((-0.00m).ToString(CultureInfo.InvariantCulture));
        PlainDecimal.Format(decimal.MaxValue).ShouldBe(decimal.MaxValue.ToString(CultureInfo.InvariantCulture));
        PlainDecimal.Format(decimal.MinValue).ShouldBe(decimal.MinValue.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ParseThenFormat_ManyPlainTexts_RoundTripAsDecimalDoes()
    {
        var random = new Random(7);
        for (var i = 0; i < 100_000; i++)
        {
            var whole = random.NextInt64(0, 1_000_000_000);
            var fractionDigits = random.Next(0, 9);
            var text = (random.Next(2) == 0 ? "-" : "") + whole.ToString(CultureInfo.InvariantCulture)
                + (fractionDigits == 0 ? "" : "." + random.NextInt64(0, (long)Math.Pow(10, fractionDigits)).ToString(CultureInfo.InvariantCulture).PadLeft(fractionDigits, '0'));
            var expected = decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            if (!PlainDecimal.TryParse(text, out var value))
            {
                expected.ShouldBe(0m, text); // only a zero is left to the general routine
                continue;
            }
            value.ShouldBe(expected, text);
            PlainDecimal.Format(value).ShouldBe(expected.ToString(CultureInfo.InvariantCulture), text);
        }
    }
}
