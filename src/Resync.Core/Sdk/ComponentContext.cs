using Resync.Core.Errors;
using Resync.Core.Links;

namespace Resync.Core.Sdk;

/// <summary>
/// What a component factory is given besides its section: the link's name, its settings (e.g. the retry of
/// single calls) and a way to teach the classifier.
/// </summary>
public sealed class ComponentContext(string linkId)
{
    private readonly List<IExceptionClassifier> _classifiers = [];

    public string LinkId { get; } = linkId;

    /// <summary>The tenant the link belongs to (the host's say for API links, else the file's).</summary>
    public string Tenant { get; init; } = Resync.Core.Links.Tenants.Default;

    /// <summary>The link's settings, read before its components are built.</summary>
    public LinkSettings Settings { get; init; } = new();

    /// <summary>Classifiers that connectors add for their provider's exceptions.</summary>
    public IReadOnlyList<IExceptionClassifier> Classifiers => _classifiers;

    /// <summary>Adds a classifier once (a second add of the same type is ignored).</summary>
    public void AddClassifier(IExceptionClassifier classifier)
    {
        if (!_classifiers.Any(existing => existing.GetType() == classifier.GetType()))
            _classifiers.Add(classifier);
    }
}
