namespace Resync.Server.Auth;

/// <summary>A new embedded-view token, the page's URL (relative to the server) and an iframe snippet for it.</summary>
public sealed record EmbedTokenAnswer(string Token, string Url, string Iframe, EmbedScope Scope);
