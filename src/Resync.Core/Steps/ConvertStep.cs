using System.Globalization;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>
/// Converts one field to another type. A missing, null or blank value stays null (check it with a validate
/// step); a value that cannot be converted fails the record with a Data error <c>INVALID_TYPE</c> naming
/// the field and the value.
/// </summary>
public sealed class ConvertStep(string name, string field, ConversionType to) : IFieldWritingStep
{
    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd",
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ssK",
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ssK",
        "yyyy-MM-dd HH:mm:ss.FFFFFFF", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    public string Name { get; } = name;

    public IReadOnlyList<string>? WrittenFields => [@field];

    public StepResult Apply(StepContext context)
    {
        var fields = context.Record.Fields;
        if (!fields.TryGetValue(field, out var value) || value is null)
            return StepResult.Continue;
        if (value is string blank && string.IsNullOrWhiteSpace(blank) && to != ConversionType.Text)
        {
            fields[field] = null;
            return StepResult.Continue;
        }
        var converted = to switch
        {
            ConversionType.Integer => ToInteger(value),
            ConversionType.Number => ToNumber(value),
            ConversionType.Boolean => ToBoolean(value),
            ConversionType.Date => ToDate(value),
            _ => FieldText.Of(value),
        };
        if (converted is null)
        {
            var text = FieldText.Of(value) ?? "";
            var shown = text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
            return StepResult.Fail(new ErrorClassification(ErrorType.Data, Durability.Durable, ErrorCodes.InvalidType,
                $"{field} '{shown}' is not {Describe(to)}", $"Fix '{field}' at the source, or filter such records out before this step.", [field]));
        }
        fields[field] = converted;
        return StepResult.Continue;
    }

    private static object? ToInteger(object value) => value switch
    {
        long => value, // (as it is: not boxed again)
        int or short or byte or sbyte or ushort or uint => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        decimal number when decimal.Truncate(number) == number && number is >= long.MinValue and <= long.MaxValue => (long)number,
        double number when double.IsFinite(number) && Math.Truncate(number) == number && number is >= long.MinValue and < 9.2233720368547758E18 => (long)number,
        string text when long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => whole,
        _ => null,
    };

    private static object? ToNumber(object value) => value switch
    {
        decimal => value,
        long or int or short or byte or sbyte or ushort or uint => Convert.ToDecimal(value, CultureInfo.InvariantCulture),
        double number when double.IsFinite(number) && Math.Abs(number) < 7.9e28 => (decimal)number,
        string text when PlainDecimal.TryParse(text.AsSpan().Trim(), out var plain) => plain,
        string text when decimal.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        _ => null,
    };

    private static object? ToBoolean(object value) => value switch
    {
        bool => value,
        long whole when whole is 0 or 1 => whole == 1,
        string text => text.Trim().ToLowerInvariant() switch
        {
            "true" or "yes" or "y" or "1" => true,
            "false" or "no" or "n" or "0" => false,
            _ => null,
        },
        _ => null,
    };

    private static object? ToDate(object value) => value switch
    {
        DateTimeOffset => value,
        string text when DateTimeOffset.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var time) => time,
        _ => null,
    };

    private static string Describe(ConversionType type) => type switch
    {
        ConversionType.Integer => "a whole number",
        ConversionType.Number => "a number",
        ConversionType.Boolean => "a boolean (true/false, yes/no, 1/0)",
        ConversionType.Date => "an ISO-8601 date (e.g. 2026-01-31 or 2026-01-31T09:30:00Z)",
        _ => "text",
    };
}
