using System.Net;

namespace Resync.Core.Errors;

/// <summary>
/// A connection the server's outbound network policy refused: the host resolved only to addresses it does not connect
/// to. Each refused address comes with the rule that refused it (e.g. "documentation (RFC 5737)"), so the error says
/// which host, which address and why. Thrown before any connection is attempted.
/// </summary>
public sealed class OutboundAddressRefusedException(string host, IReadOnlyList<RefusedAddress> refused)
    : Exception(Describe(host, refused))
{
    public string Host { get; } = host;

    /// <summary>Every address the host resolved to, with the rule that refused it (empty: the name resolved to nothing).</summary>
    public IReadOnlyList<RefusedAddress> Refused { get; } = refused;

    private static string Describe(string host, IReadOnlyList<RefusedAddress> refused)
    {
        if (refused.Count == 0)
            return $"'{host}' resolves to no address";
        var addresses = string.Join(", ", refused.Select(one => $"{one.Address} ({one.Rule})"));
        return IPAddress.TryParse(host, out _) && refused.Count == 1
            ? $"{addresses} is an address this server does not connect to"
            : $"'{host}' resolves to {addresses}, which this server does not connect to";
    }
}
