namespace Resync.Core.Errors;

/// <summary>How much of a run an error takes down.</summary>
public enum ErrorScope
{
    /// <summary>The run cannot continue or cannot start; it stops and fails.</summary>
    System,

    /// <summary>One batch fails as a whole; the run goes on with the others.</summary>
    Batch,

    /// <summary>One record fails; its siblings in the batch go on.</summary>
    Record,
}
