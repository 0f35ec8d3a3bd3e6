namespace Resync.Testing.Http;

/// <summary>One request a <see cref="FakeApi"/> received.</summary>
public sealed record SeenRequest(string Method, string Path, string Query, Dictionary<string, string> Parameters, Dictionary<string, string> Headers, string Body)
{
    public string? Parameter(string name) => Parameters.GetValueOrDefault(name);
}
