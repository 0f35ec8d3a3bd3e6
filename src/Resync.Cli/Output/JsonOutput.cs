using System.Text.Json;

namespace Resync.Cli.Output;

/// <summary>A command's <c>--json</c> answer: one document on stdout, in the CLI's JSON form (<see cref="CliJson.Options"/>).</summary>
internal static class JsonOutput
{
    /// <summary>Writes <paramref name="document"/> and answers <see cref="ExitCodes.Succeeded"/>.</summary>
    public static int Write<T>(T document)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(document, CliJson.Options));
        return ExitCodes.Succeeded;
    }
}
