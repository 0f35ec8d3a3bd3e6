using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>Identifies one error group of a run: record errors with the same type, code, step and fields.</summary>
public sealed record ErrorGroupKey(ErrorType Type, string Code, string? Step, IReadOnlyList<string> Fields)
{
    public bool Matches(ResyncError error) =>
        error.Type == Type && error.Code == Code && error.Step == Step && error.Fields.SequenceEqual(Fields);
}
