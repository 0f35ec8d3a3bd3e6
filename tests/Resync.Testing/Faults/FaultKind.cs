namespace Resync.Testing.Faults;

/// <summary>What a <see cref="FaultProxy"/> does to a connection.</summary>
public enum FaultKind
{
    /// <summary>Passes both directions through untouched.</summary>
    None,

    /// <summary>Holds the answer back for <see cref="Fault.Delay"/> before passing it on.</summary>
    Latency,

    /// <summary>Holds the answer back until <see cref="FaultProxy.Release"/> (the request reached the upstream: it may have committed).</summary>
    Hang,

    /// <summary>Passes <see cref="Fault.Bytes"/> bytes of the answer on, then resets the connection (RST).</summary>
    ResetMidAnswer,

    /// <summary>Resets the connection once the client has sent <see cref="Fault.Bytes"/> bytes (e.g. mid-transaction); nothing more reaches the upstream.</summary>
    ResetMidRequest,

    /// <summary>Passes <see cref="Fault.Bytes"/> bytes of the answer on, then closes the connection cleanly (a truncated body).</summary>
    TruncatedAnswer,

    /// <summary>Passes the answer on a byte at a time, <see cref="Fault.Delay"/> apart.</summary>
    SlowDrip,
}
