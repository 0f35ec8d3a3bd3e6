namespace Resync.Core.Errors;

/// <summary>
/// Lets a connector teach the classifier about its provider's exceptions (e.g. to read SQLite's extended
/// result code or PostgreSQL's column name). It only extracts facts; the mapping tables stay in
/// <see cref="ErrorClassifier"/>.
/// </summary>
public interface IExceptionClassifier
{
    /// <summary>Returns a classification, or null when the exception is not one this classifier knows.</summary>
    ErrorClassification? TryClassify(Exception exception, ErrorClassifier classifier);
}
