namespace Resync.Server.Push;

/// <summary>Where one record of an asynchronous push stands, as its status URL shows it.</summary>
public enum PushRecordState
{
    /// <summary>Not decided yet: the push waits for its run, or the batch holding the record has not ended.</summary>
    Pending,

    /// <summary>Written to the target (by the run, or by one of its automated replays).</summary>
    Succeeded,

    /// <summary>Refused, with its error; kept in the run for a retry.</summary>
    Failed,

    /// <summary>Left out on purpose by a step (filter, ignore policy), with the reason.</summary>
    Ignored,

    /// <summary>Not written yet: the run stopped first; kept with its values in the link's incomplete run, which writes it when resumed.</summary>
    Incomplete,
}
