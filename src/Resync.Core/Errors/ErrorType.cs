namespace Resync.Core.Errors;

/// <summary>What kind of failure an error is; drives the default recovery (docs/errors.md).</summary>
public enum ErrorType
{
    /// <summary>Refused or reset connection, DNS, 502/503/504, timeout.</summary>
    Connection,

    /// <summary>429 or a provider's limit code.</summary>
    RateLimit,

    /// <summary>401/403, revoked or expired credentials.</summary>
    InvalidAccessToken,

    /// <summary>Validation, constraint, type, length, required.</summary>
    Data,

    /// <summary>A unique key is violated; the item already exists.</summary>
    DuplicateData,

    /// <summary>The source gave partial data.</summary>
    IncompleteData,

    /// <summary>Anything else.</summary>
    Runtime,

    /// <summary>A failure during the commit or rollback of a transactional write.</summary>
    Inconsistency,
}
