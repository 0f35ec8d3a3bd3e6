using System.Net;

namespace Resync.Connectors.Network;

/// <summary>One range of the IANA special-purpose address registries, with the rule name errors give and what allows it.</summary>
public sealed record SpecialPurposeRange(IPNetwork Network, string Rule, AddressClass Class);
