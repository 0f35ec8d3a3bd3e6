namespace Resync.Connectors.Network;

/// <summary>Which server setting, if any, lets the policy connect to an address of a special-purpose range.</summary>
public enum AddressClass
{
    /// <summary>The machine itself (127/8, ::1, its own interface addresses): <c>--allow-loopback</c>.</summary>
    Loopback,

    /// <summary>Private, shared and link-local networks (RFC 1918, 100.64/10, 169.254/16, fc00::/7, fe80::/10…): <c>--allow-private-networks</c>.</summary>
    Private,

    /// <summary>Documentation, benchmarking, multicast, reserved and the like: never reached (only a range the operator lists explicitly).</summary>
    Reserved,
}
