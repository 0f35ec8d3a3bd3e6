using Resync.Server.Runs;

namespace Resync.Server.Push;

/// <summary>
/// Where a push's records went: <paramref name="Run"/>, from its record <paramref name="First"/> (0-based, in the run's
/// reading order) for <paramref name="Count"/> records; <paramref name="Pushes"/> pushes share the run (1: the run is the push's own).
/// </summary>
internal sealed record PushShare(ActiveRun Run, int First, int Count, int Pushes);
