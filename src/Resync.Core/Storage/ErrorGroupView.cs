using Resync.Core.Errors;

namespace Resync.Core.Storage;

/// <summary>Record errors of one run that share type, code, step and fields ("1,204 records: phone too long").</summary>
public sealed record ErrorGroupView(
    ErrorType Type,
    string Code,
    string? Step,
    IReadOnlyList<string> Fields,
    long Count,
    string SampleMessage,
    string? SampleKey,
    string? Hint);
