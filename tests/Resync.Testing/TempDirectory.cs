namespace Resync.Testing;

/// <summary>
/// A fresh, empty folder under the system's temp folder (its own: created at once with a random name, open to this user only),
/// deleted with everything in it on dispose. The name stays short, as paths in the messages tests read do.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "resync-test")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The full path of a file or folder inside this folder (not created).</summary>
    public string Combine(string relativePath) => System.IO.Path.Combine(Path, relativePath);

    /// <summary>Writes <paramref name="text"/> to a file inside this folder and answers its full path.</summary>
    public string Write(string relativePath, string text)
    {
        var path = Combine(relativePath);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
        catch (IOException)
        {
            // A file is still held open (e.g. a pooled database connection on Windows): the system's temp cleaner takes it.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
