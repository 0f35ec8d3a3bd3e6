namespace Resync.Dashboard;

/// <summary>
/// The server's API keys as the dashboard needs them. The server implements it over its own key service, so a session
/// is worth exactly what its key is worth: the same tenant, and it ends when the key is revoked.
/// </summary>
public interface IDashboardKeys
{
    /// <summary>Who <paramref name="key"/> stands for, or null when it is malformed, unknown or revoked.</summary>
    Task<DashboardUser?> SignInAsync(string key, CancellationToken cancellationToken);

    /// <summary>Who the key of <paramref name="prefix"/> stands for now, or null once it is revoked.</summary>
    Task<DashboardUser?> FindAsync(string prefix, CancellationToken cancellationToken);
}
