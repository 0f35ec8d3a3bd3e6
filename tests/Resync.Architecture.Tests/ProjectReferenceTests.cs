using System.Xml.Linq;
using Resync.Testing;

namespace Resync.Architecture.Tests;

/// <summary>
/// Reads every project file under src/ and holds the layers to the dependency rule in docs/architecture.md:
/// the core references nothing of ours and no I/O package; everything else depends on the core, never the other way.
/// </summary>
public sealed class ProjectReferenceTests
{
    /// <summary>For each project under src/, the projects of ours it may reference.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Resync.Core"] = [],
        ["Resync.Server.Abstractions"] = ["Resync.Core"],
        // Statement text, rows and parameters the SQL stores share: the schema is theirs, so not the core's. The server's store
        // contract is storage-side too (it depends on the core only), so the shared server store implements it here, once.
        ["Resync.Storage.Relational"] = ["Resync.Core", "Resync.Server.Abstractions"],
        ["Resync.Storage.Sqlite"] = ["Resync.Core", "Resync.Server.Abstractions", "Resync.Storage.Relational"],
        ["Resync.Storage.Postgres"] = ["Resync.Core", "Resync.Server.Abstractions", "Resync.Storage.Relational"],
        ["Resync.LinkFiles"] = ["Resync.Core"],
        ["Resync.Messaging.RabbitMq"] = ["Resync.Core"],
        // Connectors declare their keys, schema and factory with the core SDK's descriptors: never the YAML layer.
        ["Resync.Connectors"] = ["Resync.Core"],
        ["Resync.Dashboard"] = ["Resync.Core"],
        ["Resync.Server"] =
        [
            "Resync.Core", "Resync.Server.Abstractions", "Resync.Storage.Sqlite", "Resync.Storage.Postgres", "Resync.Storage.Relational",
            "Resync.LinkFiles", "Resync.Connectors", "Resync.Dashboard", "Resync.Messaging.RabbitMq",
        ],
        ["Resync.Cli"] =
        [
            "Resync.Core", "Resync.Server.Abstractions", "Resync.Storage.Sqlite", "Resync.Storage.Postgres", "Resync.Storage.Relational",
            "Resync.LinkFiles", "Resync.Connectors", "Resync.Server", "Resync.Messaging.RabbitMq",
        ],
    };

    /// <summary>The core computes; these are the only packages it may use (cron arithmetic and the logging abstractions).</summary>
    private static readonly string[] CorePackages = ["Cronos", "Microsoft.Extensions.Logging.Abstractions"];

    [Fact]
    public void EverySourceProject_HasALayer()
    {
        var unknown = SourceProjects().Select(p => p.Name).Where(name => !Allowed.ContainsKey(name)).ToList();

        unknown.ShouldBeEmpty("a new project under src/ needs its allowed references in ProjectReferenceTests and a line in docs/architecture.md");
    }

    [Fact]
    public void EverySourceProject_ReferencesOnlyWhatItsLayerAllows()
    {
        var wrong = SourceProjects()
            .Where(p => Allowed.ContainsKey(p.Name))
            .SelectMany(p => p.ProjectReferences.Except(Allowed[p.Name]).Select(reference => $"{p.Name} → {reference}"))
            .ToList();

        wrong.ShouldBeEmpty("these references break the dependency rule in docs/architecture.md");
    }

    [Fact]
    public void Core_ReferencesNoProjectAndNoIoPackage()
    {
        var core = SourceProjects().Single(p => p.Name == "Resync.Core");

        core.ProjectReferences.ShouldBeEmpty();
        core.FrameworkReferences.ShouldBeEmpty("the core runs on the base library alone (no ASP.NET Core)");
        core.PackageReferences.Except(CorePackages).ShouldBeEmpty("the core has no I/O dependencies");
    }

    [Fact]
    public void Connectors_DoNotReferenceTheLinkFileLayer()
    {
        // Component descriptors (keys, schema, factory) are the core SDK's; the link-file layer reads them, not the other way.
        var connectors = SourceProjects().Single(p => p.Name == "Resync.Connectors");

        connectors.ProjectReferences.ShouldNotContain("Resync.LinkFiles");
        connectors.PackageReferences.ShouldNotContain("YamlDotNet");
    }

    [Fact]
    public void NoProject_ReferencesTheHostsThatDependOnIt()
    {
        // Nothing but the CLI may reference the server, and nothing may reference the CLI: they are the outermost layers.
        var projects = SourceProjects();

        projects.Where(p => p.Name != "Resync.Cli" && p.ProjectReferences.Contains("Resync.Server")).Select(p => p.Name).ShouldBeEmpty();
        projects.Where(p => p.ProjectReferences.Contains("Resync.Cli")).Select(p => p.Name).ShouldBeEmpty();
    }

    [Fact]
    public void ArchitectureDoc_NamesEverySourceProject()
    {
        var document = File.ReadAllText(RepositoryFiles.PathOf("docs", "architecture.md"));

        var missing = SourceProjects().Select(p => p.Name).Where(name => !document.Contains($"src/{name} ", StringComparison.Ordinal)).ToList();

        missing.ShouldBeEmpty("docs/architecture.md lists every project under src/");
    }

    private static List<ProjectFile> SourceProjects()
    {
        var projects = Directory.GetDirectories(RepositoryFiles.PathOf("src"))
            .SelectMany(folder => Directory.GetFiles(folder, "*.csproj"))
            .Select(ProjectFile.Read)
            .ToList();
        projects.ShouldNotBeEmpty();
        return projects;
    }

    private sealed record ProjectFile(string Name, string[] ProjectReferences, string[] PackageReferences, string[] FrameworkReferences)
    {
        public static ProjectFile Read(string path)
        {
            var document = XDocument.Load(path);
            string[] Includes(string element) => document.Descendants(element)
                .Select(e => (string?)e.Attribute("Include") ?? throw new InvalidOperationException($"{path}: a {element} without Include"))
                .Select(include => element == "ProjectReference" ? Path.GetFileNameWithoutExtension(include.Replace('\\', '/')) : include)
                .ToArray();
            return new ProjectFile(
                Path.GetFileNameWithoutExtension(path), Includes("ProjectReference"), Includes("PackageReference"), Includes("FrameworkReference"));
        }
    }
}
