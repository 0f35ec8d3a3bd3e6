using Resync.Core.Sdk;
using Record = Resync.Core.Records.Record;

namespace Resync.Connectors.Tests.Files;

/// <summary>A temp folder for one test, deleted afterwards, with helpers to read a source to the end.</summary>
public sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("resync-files-");

    public string Path(string name) => System.IO.Path.Combine(_folder.FullName, name);

    public string Write(string name, string text)
    {
        var path = Path(name);
        File.WriteAllText(path, text);
        return path;
    }

    public static SourceContext Context(int batchSize) => new("files", 1, null, batchSize, TimeProvider.System);

    public static async Task<List<SourcePage>> ReadAllAsync(ISource source, int batchSize)
    {
        var pages = new List<SourcePage>();
        await foreach (var page in source.ReadAsync(Context(batchSize), CancellationToken.None))
            pages.Add(page);
        return pages;
    }

    public static List<Record> Records(IEnumerable<SourcePage> pages) => [.. pages.SelectMany(page => page.Records)];

    public void Dispose()
    {
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still open on a slow machine: the temp folder is cleaned up by the system.
        }
    }
}
