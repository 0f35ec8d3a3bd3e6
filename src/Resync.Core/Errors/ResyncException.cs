namespace Resync.Core.Errors;

/// <summary>
/// A system-level fault that already knows its classification (thrown by sources and targets that
/// recognise what went wrong, e.g. a page that is not JSON). Record failures are never exceptions.
/// </summary>
public class ResyncException : Exception
{
    public ResyncException(ErrorClassification classification, Exception? inner = null)
        : base(classification.Message, inner) => Classification = classification;

    /// <summary>What the failure is.</summary>
    public ErrorClassification Classification { get; }

    /// <summary>True when trying again later would likely help.</summary>
    public bool IsTransient => Classification.IsTransient;
}
