namespace Resync.Testing.Faults;

/// <summary>A fault a <see cref="FaultProxy"/> applies to the next <paramref name="Connections"/> connections that send something, then none.</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Bytes">For the partial faults: how many bytes pass before it strikes.</param>
/// <param name="Delay">For latency and slow drip (real time: a delay the test causes, never a timeout that decides its outcome).</param>
/// <param name="Connections">How many connections it applies to.</param>
public sealed record Fault(FaultKind Kind, int Bytes = 0, TimeSpan Delay = default, int Connections = int.MaxValue)
{
    public static Fault None { get; } = new(FaultKind.None);
}
