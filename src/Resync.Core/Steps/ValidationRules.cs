using System.Text.RegularExpressions;

namespace Resync.Core.Steps;

/// <summary>The checks a validate step makes on one field; unset rules are not checked.</summary>
public sealed record ValidationRules
{
    public bool Required { get; init; }

    public int? MaxLength { get; init; }

    public Regex? Pattern { get; init; }

    public bool Email { get; init; }

    public decimal? Min { get; init; }

    public decimal? Max { get; init; }

    public IReadOnlyCollection<string>? OneOf { get; init; }
}
