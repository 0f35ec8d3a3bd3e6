using System.Diagnostics;

namespace Resync.Testing;

/// <summary>
/// A real filesystem that fills up: a tmpfs of a few megabytes mounted on a folder of its own (root only, as on the CI
/// machine), so that a process writing to it gets ENOSPC from the kernel exactly as on a full disk. <see cref="Fill"/>
/// takes all its space left with a filler file; <see cref="Free"/> gives it back.
/// </summary>
public sealed class SmallDisk : IDisposable
{
    private const int Megabytes = 8;
    private readonly TempDirectory _mountPoint = new("resync-small-disk");

    private SmallDisk()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            throw new InvalidOperationException("A small disk is a tmpfs mounted for the test: it needs Linux and root (as the CI machine runs the tests).");
        Run("mount", "-t", "tmpfs", "-o", $"size={Megabytes}m,mode=0777", "resync-small-disk", Path);
    }

    /// <summary>The mounted folder (anyone may write to it).</summary>
    public string Path => _mountPoint.Path;

    public static SmallDisk Mount() => new();

    /// <summary>Fills the disk to the last block with a filler file beside what is there: the next write that needs space fails.</summary>
    public void Fill()
    {
        using var filler = new FileStream(Filler, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
                filler.Write(block);
        }
        catch (IOException)
        {
            // ENOSPC: full. Then the last bytes, a block at a time.
        }
        var small = new byte[4096];
        try
        {
            while (true)
                filler.Write(small);
        }
        catch (IOException)
        {
            // Full to the last block.
        }
    }

    /// <summary>Gives the space back (deletes the filler file).</summary>
    public void Free() => File.Delete(Filler);

    private string Filler => System.IO.Path.Combine(Path, ".filler");

    private static void Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
    }

    public void Dispose()
    {
        // Lazily: a process the test killed may still hold a file on it for a moment.
        Run("umount", "-l", Path);
        _mountPoint.Dispose();
    }
}
