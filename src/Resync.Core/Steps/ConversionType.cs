namespace Resync.Core.Steps;

/// <summary>What a convert step turns a field into.</summary>
public enum ConversionType
{
    /// <summary>A whole number (<see cref="long"/>).</summary>
    Integer,

    /// <summary>A decimal number (<see cref="decimal"/>).</summary>
    Number,

    /// <summary><see cref="bool"/>: true/false, yes/no, 1/0 (case-insensitive).</summary>
    Boolean,

    /// <summary>An ISO-8601 date or date and time (<see cref="DateTimeOffset"/>; UTC when no offset is given).</summary>
    Date,

    /// <summary>The value's invariant text.</summary>
    Text,
}
