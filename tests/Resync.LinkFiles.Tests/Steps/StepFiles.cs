using Resync.Connectors;
using Resync.Core.Sdk;

namespace Resync.LinkFiles.Tests.Steps;

/// <summary>Steps built from a link file's <c>steps:</c> list (<see cref="Resync.Testing.StepHarness"/> applies them).</summary>
internal static class StepFiles
{
    /// <summary>The steps of a link file whose <c>steps:</c> list is <paramref name="steps"/> (indented by two spaces).</summary>
    public static IReadOnlyList<IStep> Load(string steps)
    {
        var result = Parse(steps);
        result.Problems.ShouldBeEmpty();
        return result.Link!.Steps;
    }

    /// <summary>Parses a link file with the given <c>steps:</c> list.</summary>
    public static LinkFileResult Parse(string steps) =>
        new LinkFileLoader(BuiltInConnectors.CreateCatalog(), _ => null).Parse(
            $"name: steps\nsource:\n  type: demo\nsteps:\n{steps}\ntarget:\n  type: jsonl\n  path: out.jsonl\n",
            "link.yaml", Path.GetTempPath());
}
