namespace Resync.Core.Sdk;

/// <summary>
/// What a link document is trusted to reach: where its file paths may point and which component types it may name.
/// The loader asks it for every key marked <see cref="KeySpec.FilePath"/> (and every <see cref="ConfigSection.ResolvePath"/>),
/// so a connector with a new path key is confined without code of its own.
/// </summary>
public interface ILinkTrust
{
    /// <summary>The full path a path value names, resolved against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ArgumentException">The value breaks a rule; the message names the rule.</exception>
    string ResolvePath(string value, string baseDirectory);

    /// <summary>
    /// Checks a resolved path again right before a connector opens it: a symbolic link swapped in since the link was
    /// accepted must not lead out.
    /// </summary>
    /// <exception cref="Resync.Core.Errors.ResyncException">The path now resolves to a place the link may not reach.</exception>
    void CheckBeforeOpen(string fullPath);

    /// <summary>Why a component type may not be used (null: it may). <paramref name="section"/> is source, target or steps.</summary>
    string? RefuseType(string section, string type);

    /// <summary>
    /// The tenant the links read under this trust belong to, when the host decides it (links from a tenant's API key);
    /// null: the file's own <c>tenant</c>. Components that share state between links (circuit breakers) keep tenants apart by it.
    /// </summary>
    string? Tenant => null;

    /// <summary>
    /// Why an alert route may not deliver to <paramref name="destination"/> (an http, https or mailto URL) here, e.g. an address
    /// the server's outbound network policy refuses, or e-mail on a server without SMTP; null: it may.
    /// </summary>
    string? RefuseAlertDestination(Uri destination) => null;

    /// <summary>
    /// Why the host may not call <paramref name="url"/> on the link's behalf outside its connectors (a log intake), or null:
    /// the host's outbound network policy, as far as the URL alone tells (an address literal); a name is checked again at
    /// every connection. The default refuses nothing.
    /// </summary>
    string? RefuseUrl(Uri url) => null;
}
