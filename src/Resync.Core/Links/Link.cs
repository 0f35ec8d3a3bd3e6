using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Core.Links;

/// <summary>
/// One configured integration, ready to run: where records come from, the steps they pass, where they go,
/// and the settings. Built from a link file, or in code by library users.
/// </summary>
public sealed class Link
{
    public Link(string id, ISource source, IReadOnlyList<IStep> steps, ITarget target, LinkSettings? settings = null, string tenant = Tenants.Default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        Id = id;
        Source = source;
        Steps = steps;
        Target = target;
        Settings = settings ?? new LinkSettings();
        Tenant = tenant;
    }

    /// <summary>The link's unique name.</summary>
    public string Id { get; }

    /// <summary>The customer the link belongs to.</summary>
    public string Tenant { get; }

    public ISource Source { get; }

    public IReadOnlyList<IStep> Steps { get; }

    public ITarget Target { get; }

    public LinkSettings Settings { get; }

    /// <summary>When the link runs. The default is by hand only.</summary>
    public LinkTrigger Trigger { get; init; } = LinkTrigger.ManualOnly;

    /// <summary>
    /// Whether records may be pushed to the link (its push endpoint, composite record operations and trees): its source
    /// is a push source (<c>source: {type: push}</c>) and its trigger says so (<c>trigger: {push: true}</c>).
    /// </summary>
    public bool TakesPushes => Trigger.Push && Source is IPushSource;

    /// <summary>
    /// The same link with some parts replaced (another source for a retry or a push, another target for an all-or-none
    /// write, other settings or tenant); its steps, trigger and classifier stay.
    /// </summary>
    public Link With(ISource? source = null, ITarget? target = null, LinkSettings? settings = null, string? tenant = null, LinkVersion? version = null) =>
        new(Id, source ?? Source, Steps, target ?? Target, settings ?? Settings, tenant ?? Tenant)
        {
            Trigger = Trigger,
            Classifier = Classifier,
            ErrorTarget = ErrorTarget,
            AlertRoutes = AlertRoutes,
            Version = version ?? Version,
            Logging = Logging,
        };

    /// <summary>The version of the definition the link was built from (recorded with each of its runs), or null for links built in code.</summary>
    public LinkVersion? Version { get; init; }

    /// <summary>
    /// The dead-letter output: a second target that receives every failed record with its error, snapshot, run, batch and
    /// attempt (<see cref="Engine.DeadLetter"/>). Its failures never fail the run. The default is none.
    /// </summary>
    public ITarget? ErrorTarget { get; init; }

    /// <summary>The alert routes the link's definition declares (its <c>alerts:</c> section), for its own alerts only. The default is none.</summary>
    public IReadOnlyList<LinkAlertRoute> AlertRoutes { get; init; } = [];

    /// <summary>The log sinks the link adds for its tenant (its file's <c>logging</c> section). The default is none.</summary>
    public Observability.LinkLogging? Logging { get; init; }

    /// <summary>Extra classifiers for the connectors' own exceptions, added by the link's builder.</summary>
    public ErrorClassifier Classifier { get; init; } = ErrorClassifier.Default;
}
