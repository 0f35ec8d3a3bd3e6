using Resync.Core.Errors;
using Resync.Core.Records;
using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Shortens a text field to a maximum length, with a warning on the record (never an error).</summary>
public sealed class TruncateStep(string name, string field, int maxLength) : IFieldWritingStep
{
    public string Name { get; } = name;

    public IReadOnlyList<string>? WrittenFields => [@field];

    public StepResult Apply(StepContext context)
    {
        if (context.Record[field] is string text && text.Length > maxLength)
        {
            context.Record.Fields[field] = text[..maxLength];
            context.Warn(new RecordWarning(Name, ErrorCodes.Truncated, $"{field} was cut from {text.Length} to {maxLength} characters", field));
        }
        return StepResult.Continue;
    }
}
