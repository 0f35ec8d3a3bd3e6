namespace Resync.Core.Storage;

/// <summary>The rules of <see cref="IncompleteStatus"/>, in one place for the engine, the stores, the CLI and the API.</summary>
public static class IncompleteStatusExtensions
{
    /// <summary>
    /// Resolved or discarded: nothing is left to retry, edit or discard, and its status never changes again (a store
    /// refuses the change, the CLI and the API answer that it is closed already).
    /// </summary>
    public static bool IsClosed(this IncompleteStatus status) => status is IncompleteStatus.Resolved or IncompleteStatus.Discarded;
}
