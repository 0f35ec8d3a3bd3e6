using System.Globalization;
using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Checks one field (required, max length, pattern, email, range, enum); a failing record gets a Data record error.</summary>
public sealed class ValidateStep(string name, string field, ValidationRules rules) : IFieldWritingStep
{
    private readonly HashSet<string>? _allowed = rules.OneOf is null ? null : new HashSet<string>(rules.OneOf, StringComparer.Ordinal);

    public string Name { get; } = name;

    public IReadOnlyList<string>? WrittenFields => [];

    public StepResult Apply(StepContext context)
    {
        var text = FieldText.Of(context.Record[field]);
        if (string.IsNullOrWhiteSpace(text))
        {
            return rules.Required
                ? Fail(ErrorCodes.Required, $"{field} is required but is empty", $"Give every record a value for '{field}', or map a default.")
                : StepResult.Continue;
        }
        if (rules.MaxLength is { } max && text.Length > max)
            return Fail(ErrorCodes.TooLong, $"{field} is {text.Length} characters long; at most {max} are allowed", $"Shorten '{field}' at the source, or add a truncate step.");
        if (rules.Email && !EmailShape.Matches(text))
            return Fail(ErrorCodes.InvalidEmail, $"{field} '{Clip(text)}' is not an email address", $"Fix '{field}' at the source.");
        if (rules.Pattern is { } pattern && !pattern.IsMatch(text))
            return Fail(ErrorCodes.PatternMismatch, $"{field} '{Clip(text)}' does not match {pattern}", $"Fix '{field}' at the source, or relax the pattern.");
        if (rules.Min is not null || rules.Max is not null)
        {
            if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                return Fail(ErrorCodes.InvalidType, $"{field} '{Clip(text)}' is not a number", $"Fix '{field}' at the source, or convert it in a step.");
            if (number < rules.Min || number > rules.Max)
                return Fail(ErrorCodes.OutOfRange, $"{field} {text} is outside [{rules.Min?.ToString(CultureInfo.InvariantCulture) ?? "…"}, {rules.Max?.ToString(CultureInfo.InvariantCulture) ?? "…"}]", $"Fix '{field}' at the source.");
        }
        if (_allowed is not null && !_allowed.Contains(text))
            return Fail(ErrorCodes.NotAllowed, $"{field} '{Clip(text)}' is not one of: {string.Join(", ", _allowed)}", $"Fix '{field}' at the source, or allow the value.");
        return StepResult.Continue;
    }

    private StepResult Fail(string code, string message, string hint) =>
        StepResult.Fail(new ErrorClassification(ErrorType.Data, Durability.Durable, code, message, hint, [field]));

    private static string Clip(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
}
