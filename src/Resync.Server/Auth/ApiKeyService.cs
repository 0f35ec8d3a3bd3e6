using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Resync.Core.Storage;

namespace Resync.Server.Auth;

/// <summary>
/// Creates, checks and revokes API keys. A key is <c>rsk_</c> + 8 hex characters (its visible prefix, its id) +
/// <c>_</c> + 32 random bytes in base64url. Only the prefix and the SHA-256 of the whole key are stored: the key is
/// shown once, at creation. (A fast hash suffices: the secret part has 256 bits of entropy, nothing to brute-force.)
/// A key found valid is remembered for <paramref name="cacheFor"/> (zero: not at all), so that a request does not read the
/// key store each time; a key revoked through this service is forgotten at once. Only keys that exist and are not revoked are
/// remembered: unknown prefixes cannot grow the cache.
/// </summary>
public sealed class ApiKeyService(IServerStore store, TimeProvider clock, TimeSpan cacheFor = default)
{
    private const string Marker = "rsk_";
    private const int KeyLength = 4 + 8 + 1 + 43;
    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);
    // Bumped by each revocation: a lookup that began before it does not remember what it read.
    private long _revocations;

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
        if (key is null || !key.StartsWith(Marker, StringComparison.Ordinal) || key.Length != KeyLength || key[Marker.Length + 8] != '_')
            return null;
        if (await KnownAsync(key[..(Marker.Length + 8)], cancellationToken) is not { } known)
            return null;
        Span<byte> utf8 = stackalloc byte[KeyLength * 3];
        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(key, utf8)], actual);
        return CryptographicOperations.FixedTimeEquals(known.Hash, actual) ? known.Caller : null;
    }

    /// <summary>The caller of the key with this prefix, or null when it is unknown or revoked (a dashboard session holds only the prefix).</summary>
    public async Task<Caller?> FindAsync(string prefix, CancellationToken cancellationToken) => (await KnownAsync(prefix, cancellationToken))?.Caller;

    /// <summary>Revokes the key; from when this returns, this service refuses it.</summary>
    public async Task<bool> RevokeAsync(string prefix, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeApiKeyAsync(prefix, clock.GetUtcNow(), cancellationToken);
        Interlocked.Increment(ref _revocations);
        _known.TryRemove(prefix, out _);
        return revoked;
    }

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken) => store.ListApiKeysAsync(cancellationToken);

    /// <summary>The stored hash and caller of the key with this prefix if it exists and is not revoked: remembered, or read from the store.</summary>
    private async Task<Known?> KnownAsync(string prefix, CancellationToken cancellationToken)
    {
        var now = clock.GetTimestamp();
        if (_known.TryGetValue(prefix, out var known) && clock.GetElapsedTime(known.ReadAt, now) < cacheFor)
            return known;
        var revocations = Interlocked.Read(ref _revocations);
        if (await store.FindApiKeyAsync(prefix, cancellationToken) is not { RevokedAt: null } record)
        {
            _known.TryRemove(prefix, out _);
            return null;
        }
        known = new Known(Convert.FromHexString(record.Hash), new Caller(record.Prefix, record.Scope, record.Tenant), now);
        if (cacheFor > TimeSpan.Zero && Interlocked.Read(ref _revocations) == revocations)
            _known[prefix] = known;
        return known;
    }

    internal static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Known(byte[] Hash, Caller Caller, long ReadAt);
}
