namespace Resync.Testing;

/// <summary>Finds files of the repository (docs, samples) from the test's output folder.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Resync.slnx")))
                return folder.FullName;
        }
        throw new InvalidOperationException("The repository root (with Resync.slnx) was not found above the test folder.");
    }
}
