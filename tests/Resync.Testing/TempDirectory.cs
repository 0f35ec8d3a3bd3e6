namespace Resync.Testing;

/// <summary>A fresh, empty folder under the system's temp folder, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "resync-test")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
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
