namespace Resync.Server.Keys;

/// <summary>A new key: <paramref name="Key"/> is shown this once and never again.</summary>
public sealed record CreatedKey(string Key, KeyDocument Details);
