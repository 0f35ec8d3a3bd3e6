using System.Globalization;
using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>
/// A step with its own error handling (<c>onError</c>): a record the inner step fails is ignored, or goes on with a
/// warning, or gets a fallback value in <paramref name="field"/> (passed through the step again, so that a convert step's
/// fallback is converted like any value) and a warning. What is not handled here fails the record as before.
/// </summary>
/// <param name="field">The field the fallback goes into (<see cref="StepOnError.Default"/> only).</param>
/// <param name="fallback">The fallback value (<see cref="StepOnError.Default"/> only).</param>
public sealed class OnErrorStep(IStep inner, StepOnError onError, string? field = null, object? fallback = null) : IFieldWritingStep
{
    /// <summary>The warning code of a record that went on although the step failed it.</summary>
    public const string WarningCode = ErrorCodes.StepErrorHandled;

    public string Name => inner.Name;

    public IReadOnlyList<string>? WrittenFields =>
        // Restoring the record puts back the values it came in with: what changes is what the inner step writes, and the fallback's field.
        inner is IFieldWritingStep { WrittenFields: { } written } ? (@field is null ? written : [.. written, @field]) : null;

    public StepResult Apply(StepContext context)
    {
        if (onError == StepOnError.Fail)
            return inner.Apply(context);
        // The step may have changed fields before it failed: a record that goes on does so as it came in.
        var before = new Dictionary<string, object?>(context.Record.Fields);
        var result = inner.Apply(context);
        if (result.Error is not { } error)
            return result;
        var what = $"{error.Code}: {error.Message}";
        switch (onError)
        {
            case StepOnError.Ignore:
                return StepResult.Ignore($"{Name} failed ({what}); the step's onError is ignore");
            case StepOnError.Warn:
                Restore(context, before);
                context.Warn(new RecordWarning(Name, WarningCode, $"{Name} failed ({what}); went on without it (onError: warn)", error.Fields?.FirstOrDefault()));
                return StepResult.Continue;
            default:
                Restore(context, before);
                context.Record.Fields[field!] = fallback;
                var again = inner.Apply(context);
                if (again.Error is { } fallbackError)
                {
                    return StepResult.Fail(fallbackError with
                    {
                        Message = $"{error.Message}; and its default '{Convert.ToString(fallback, CultureInfo.InvariantCulture)}' fails too: {fallbackError.Message}",
                        Hint = $"Give {Name} a default that passes it.",
                    });
                }
                context.Warn(new RecordWarning(Name, WarningCode,
                    $"{Name} failed ({what}); {field} set to its default '{Convert.ToString(fallback, CultureInfo.InvariantCulture)}' (onError: default)", field));
                return again;
        }
    }

    private static void Restore(StepContext context, Dictionary<string, object?> before)
    {
        var fields = context.Record.Fields;
        fields.Clear();
        foreach (var (key, value) in before)
            fields[key] = value;
    }
}
