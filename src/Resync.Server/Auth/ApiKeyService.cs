using System.Security.Cryptography;
using System.Text;
using Resync.Core.Storage;

namespace Resync.Server.Auth;

/// <summary>
/// Creates, checks and revokes API keys. A key is <c>rsk_</c> + 8 hex characters (its visible prefix, its id) +
/// <c>_</c> + 32 random bytes in base64url. Only the prefix and the SHA-256 of the whole key are stored: the key is
/// shown once, at creation. (A fast hash suffices: the secret part has 256 bits of entropy, nothing to brute-force.)
/// </summary>
public sealed class ApiKeyService(IServerStore store, TimeProvider clock)
{
    private const string Marker = "rsk_";

    /// <summary>Creates a key; returns its stored form and the key itself, which is never available again.</summary>
    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(ApiKeyScope scope, string? tenant, string name, CancellationToken cancellationToken)
    {
        if (scope == ApiKeyScope.Tenant && string.IsNullOrWhiteSpace(tenant))
            throw new ArgumentException("A tenant key needs its tenant.", nameof(tenant));
        if (scope == ApiKeyScope.Operator && tenant is not null)
            throw new ArgumentException("An operator key sees every tenant; give no tenant.", nameof(tenant));
        var prefix = Marker + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var key = prefix + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKeyRecord(prefix, Hash(key), scope, tenant, name, clock.GetUtcNow(), null);
        await store.AddApiKeyAsync(record, cancellationToken);
        return (record, key);
    }

    /// <summary>The caller a key stands for, or null when it is malformed, unknown or revoked.</summary>
    public async Task<Caller?> AuthenticateAsync(string? key, CancellationToken cancellationToken)
    {
        if (key is null || !key.StartsWith(Marker, StringComparison.Ordinal) || key.Length != Marker.Length + 8 + 1 + 43 || key[Marker.Length + 8] != '_')
            return null;
        var record = await store.FindApiKeyAsync(key[..(Marker.Length + 8)], cancellationToken);
        if (record is null || record.RevokedAt is not null)
            return null;
        var expected = Convert.FromHexString(record.Hash);
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? new Caller(record.Prefix, record.Scope, record.Tenant) : null;
    }

    /// <summary>The caller of the key with this prefix, or null when it is unknown or revoked (a dashboard session holds only the prefix).</summary>
    public async Task<Caller?> FindAsync(string prefix, CancellationToken cancellationToken) =>
        await store.FindApiKeyAsync(prefix, cancellationToken) is { RevokedAt: null } record ? new Caller(record.Prefix, record.Scope, record.Tenant) : null;

    public Task<bool> RevokeAsync(string prefix, CancellationToken cancellationToken) => store.RevokeApiKeyAsync(prefix, clock.GetUtcNow(), cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken) => store.ListApiKeysAsync(cancellationToken);

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
