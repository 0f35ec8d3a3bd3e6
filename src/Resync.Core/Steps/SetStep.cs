using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Sets a field to a constant value.</summary>
public sealed class SetStep(string name, string field, object? value) : IStep
{
    public string Name { get; } = name;

    public StepResult Apply(StepContext context)
    {
        context.Record.Fields[field] = value;
        return StepResult.Continue;
    }
}
