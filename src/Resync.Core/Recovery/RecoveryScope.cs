namespace Resync.Core.Recovery;

/// <summary>Which failures of a run a recovery run carries.</summary>
public enum RecoveryScope
{
    /// <summary>Retry Failures: failed batches (fetched again) and loose failed records (from snapshots).</summary>
    AllFailures,

    /// <summary>Automated replay including durable errors: the failed records only, from snapshots.</summary>
    FailedRecords,

    /// <summary>Automated replay (the default): the failed records whose errors are ephemeral, from snapshots.</summary>
    EphemeralFailedRecords,

    /// <summary>One error group's records, from snapshots.</summary>
    ErrorGroup,

    /// <summary>An incomplete run: every failure, edited records as edited, then the pages never read.</summary>
    Remainder,
}
