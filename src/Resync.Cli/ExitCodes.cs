namespace Resync.Cli;

/// <summary>The command's exit codes, as documented in the README.</summary>
internal static class ExitCodes
{
    public const int Succeeded = 0;

    /// <summary>The run finished with record or batch errors.</summary>
    public const int CompletedWithErrors = 1;

    /// <summary>The run failed with a system error (or could not start: e.g. the state file is unusable).</summary>
    public const int Failed = 2;

    /// <summary>Bad usage or an invalid link file.</summary>
    public const int Usage = 64;
}
