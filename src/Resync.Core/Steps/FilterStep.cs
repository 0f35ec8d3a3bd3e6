using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Ignores records whose field matches (equals one of the values, or is empty), with a mandatory reason.</summary>
public sealed class FilterStep : IFieldWritingStep
{
    private readonly string _field;
    private readonly HashSet<string> _values;
    private readonly bool _whenEmpty;
    private readonly string _reason;

    public FilterStep(string name, string field, IEnumerable<string> equalsAny, bool whenEmpty, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Name = name;
        _field = field;
        _values = new HashSet<string>(equalsAny, StringComparer.Ordinal);
        _whenEmpty = whenEmpty;
        _reason = reason;
    }

    public string Name { get; }

    public IReadOnlyList<string>? WrittenFields => [];

    public StepResult Apply(StepContext context)
    {
        var value = context.Record[_field];
        var text = FieldText.Of(value);
        var matches = (_whenEmpty && string.IsNullOrEmpty(text)) || (text is not null && _values.Contains(text));
        return matches ? StepResult.Ignore(_reason) : StepResult.Continue;
    }
}
