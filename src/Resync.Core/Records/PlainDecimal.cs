using System.Globalization;

namespace Resync.Core.Records;

/// <summary>
/// Decimals in their plain form (an optional minus, up to 18 digits, an optional point): parsed and formatted without the
/// general number routines, for the convert step and the SQL targets, which meet one per record and amount column. The
/// general routines (exponents, signs, culture, 28 digits) took ~40 ns each way per value, about 5 % of Resync's worker samples
/// in a profile of the pipeline benchmark (docs/benchmarks.md); every other form still goes through them, and both give the
/// same decimal and text.
/// </summary>
public static class PlainDecimal
{
    // 18 digits always fit a ulong (< 10^18 < 2^63): no overflow check per digit.
    private const int MaxDigits = 18;

    /// <summary>
    /// The decimal of <paramref name="text"/> when it is in the plain form, with its scale (<c>"1.50"</c> is 1.50m, as
    /// <see cref="decimal.Parse(string)"/> gives); false for any other text, which the caller parses the general way.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out decimal value)
    {
        value = 0;
        var negative = text.Length > 0 && text[0] == '-';
        var at = negative ? 1 : 0;
        ulong mantissa = 0;
        var digits = 0;
        var scale = -1; // -1 until the point
        for (; at < text.Length; at++)
        {
            var c = text[at];
            if (c == '.' && scale < 0 && digits > 0)
            {
                scale = 0;
                continue;
            }
            if (!char.IsAsciiDigit(c) || ++digits > MaxDigits)
                return false;
            mantissa = (mantissa * 10) + (ulong)(c - '0');
            if (scale >= 0)
                scale++;
        }
        // Nothing, a point with no digits after it, or a zero (whose sign the general routine keeps its own way).
        if (digits == 0 || scale == 0 || mantissa == 0)
            return false;
        value = new decimal((int)mantissa, (int)(mantissa >> 32), 0, negative, (byte)Math.Max(scale, 0));
        return true;
    }

    /// <summary>The invariant text of <paramref name="value"/>, as <c>value.ToString(CultureInfo.InvariantCulture)</c> gives it.</summary>
    public static string Format(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = ((ulong)(uint)bits[1] << 32) | (uint)bits[0];
        if (bits[2] != 0 || mantissa == 0)
            return value.ToString(CultureInfo.InvariantCulture);
        var scale = (bits[3] >> 16) & 0xFF;
        Span<char> digits = stackalloc char[20];
        mantissa.TryFormat(digits, out var count, default, CultureInfo.InvariantCulture);
        // Sign, the whole digits (a zero when there are none), the point, zeros where the mantissa has fewer digits than the scale, the rest.
        Span<char> text = stackalloc char[64];
        var at = 0;
        if (bits[3] < 0)
            text[at++] = '-';
        var whole = count - scale;
        if (whole <= 0)
            text[at++] = '0';
        else
        {
            digits[..whole].CopyTo(text[at..]);
            at += whole;
        }
        if (scale > 0)
        {
            text[at++] = '.';
            if (whole < 0)
            {
                text.Slice(at, -whole).Fill('0');
                at -= whole;
            }
            var fraction = digits[Math.Max(whole, 0)..count];
            fraction.CopyTo(text[at..]);
            at += fraction.Length;
        }
        return new string(text[..at]);
    }
}
