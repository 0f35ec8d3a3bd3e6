using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Sets a field to a constant value.</summary>
public sealed class SetStep(string name, string field, object? value) : IFieldWritingStep
{
    public string Name { get; } = name;

    public IReadOnlyList<string>? WrittenFields => [@field];

    public StepResult Apply(StepContext context)
    {
        context.Record.Fields[field] = value;
        return StepResult.Continue;
    }
}
