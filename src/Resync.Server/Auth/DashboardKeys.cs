using Resync.Dashboard;

namespace Resync.Server.Auth;

/// <summary>The dashboard's sign-in over the server's API keys: a session sees what its key sees, until the key is revoked.</summary>
internal sealed class DashboardKeys(ApiKeyService keys) : IDashboardKeys
{
    public async Task<DashboardUser?> SignInAsync(string key, CancellationToken cancellationToken) =>
        User(await keys.AuthenticateAsync(key, cancellationToken));

    public async Task<DashboardUser?> FindAsync(string prefix, CancellationToken cancellationToken) => User(await keys.FindAsync(prefix, cancellationToken));

    private static DashboardUser? User(Caller? caller) => caller is null ? null : new DashboardUser(caller.KeyPrefix, caller.IsOperator, caller.Tenant);
}
