namespace Resync.Connectors.Retry;

/// <summary>One call made through a <see cref="CallPipeline"/>: which attempt is running, and whether it may be made again.</summary>
internal sealed class CallAttempt
{
    /// <summary>The attempt under way, from 1.</summary>
    public int Number { get; internal set; }

    /// <summary>True once an attempt said it may have committed something: the call is then not made again, whatever failed.</summary>
    public bool MayHaveCommitted { get; private set; }

    /// <summary>
    /// Says that from here a failure may leave something written (a statement that committed on its own, or a connection
    /// that broke without the server's answer): making the call again could write it twice, so it is not retried.
    /// </summary>
    public void Committed() => MayHaveCommitted = true;
}
