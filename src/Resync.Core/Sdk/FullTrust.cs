namespace Resync.Core.Sdk;

/// <summary>The trust of link files a person runs on their own machine (the CLI): every path, every type.</summary>
public sealed class FullTrust : ILinkTrust
{
    public static readonly FullTrust Instance = new();

    private FullTrust()
    {
    }

    public string ResolvePath(string value, string baseDirectory) => Path.GetFullPath(Path.Combine(baseDirectory, value));

    public void CheckBeforeOpen(string fullPath)
    {
    }

    public string? RefuseType(string section, string type) => null;
}
