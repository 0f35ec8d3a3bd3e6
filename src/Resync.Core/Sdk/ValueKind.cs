namespace Resync.Core.Sdk;

/// <summary>The type a link-file key takes.</summary>
public enum ValueKind
{
    /// <summary>A string.</summary>
    Text,

    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>A decimal number.</summary>
    Number,

    /// <summary>true or false.</summary>
    Boolean,

    /// <summary>A duration such as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>.</summary>
    Duration,

    /// <summary>A list of strings (or a single string).</summary>
    TextList,

    /// <summary>Any single value (string, number or boolean), kept as text.</summary>
    Scalar,

    /// <summary>A nested section with its own keys.</summary>
    Section,

    /// <summary>A map of free names to strings (e.g. headers, error-type overrides).</summary>
    TextMap,
}
