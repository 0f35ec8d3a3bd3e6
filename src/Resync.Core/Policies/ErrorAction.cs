namespace Resync.Core.Policies;

/// <summary>What the engine does with a failure once the retries of its error policy are used up (Make's error handlers).</summary>
public enum ErrorAction
{
    /// <summary>The record fails with a record error (a batch error when the whole write failed); the run goes on.</summary>
    Fail,

    /// <summary>The record is parked with its values as incomplete (Make's "Break"); the run goes on and its parked records become an incomplete run.</summary>
    Park,

    /// <summary>The record is ignored with the policy's reason; the run goes on.</summary>
    Ignore,

    /// <summary>The run stops at once (a system error); what it did not process is parked as incomplete.</summary>
    Stop,

    /// <summary>As <see cref="Stop"/>, and the link is deactivated until a person activates it again.</summary>
    Deactivate,
}
