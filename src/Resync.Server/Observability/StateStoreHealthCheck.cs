using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Resync.Server.Observability;

/// <summary>
/// Ready only while the state file can be written: its mode allows writing (checked as such because a process running as
/// root writes through a read-only mode, yet such a file was made read-only on purpose) and it opens for writing.
/// </summary>
internal sealed class StateStoreHealthCheck(ServerOptions options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var path = Path.GetFullPath(options.DatabasePath);
        var data = new Dictionary<string, object> { ["path"] = path };
        try
        {
            if (!File.Exists(path))
                return Task.FromResult(HealthCheckResult.Unhealthy($"The state file {path} is gone.", data: data));
            var readOnly = OperatingSystem.IsWindows()
                ? File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly)
                : (File.GetUnixFileMode(path) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) == 0;
            if (readOnly)
                return Task.FromResult(HealthCheckResult.Unhealthy($"The state file {path} is read-only: runs cannot be recorded. Make it writable again.", data: data));
            using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete))
            {
            }
            return Task.FromResult(HealthCheckResult.Healthy($"The state file {path} is writable.", data));
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The state file {path} cannot be written: {exception.Message}", data: data));
        }
    }
}
