namespace Resync.Server.Auth;

/// <summary>What the holder of an embedded-view token may do: see failed records, or also retry them.</summary>
public enum EmbedPermission
{
    View,
    ViewAndRetry,
}
