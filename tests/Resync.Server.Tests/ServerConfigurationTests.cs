using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Resync.Server.Tests;

public sealed class ServerConfigurationTests
{
    [Fact]
    public void DocsConfiguration_HasARowForEverySetting()
    {
        var document = File.ReadAllText(RepositoryFiles.PathOf("docs", "configuration.md"));

        var missing = ServerConfiguration.Settings().Select(p => $"{ServerConfiguration.SectionName}:{p.Name}")
            .Where(setting => !document.Contains($"| `{setting}` |", StringComparison.Ordinal)).ToList();

        missing.ShouldBeEmpty("docs/configuration.md lists every ServerOptions property in its settings table");
    }

    [Fact]
    public void Bind_WholeSection_SetsListsAndDurations()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resync:AlertRetryDelays:0"] = "00:00:01",
            ["Resync:AlertRetryDelays:1"] = "00:00:02",
            ["resync:maxbodybytes"] = "2048",
        }).Build();

        var options = ServerConfiguration.Bind(configuration, new ServerOptions { DatabasePath = "state.db" });

        options.AlertRetryDelays.ShouldBe([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)]);
        options.MaxBodyBytes.ShouldBe(2048);
    }

    [Fact]
    public void Bind_EveryProblem_IsListedAtOnce()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resync:MaxRecordsPerPush"] = "many",
            ["Resync:Url"] = "http://127.0.0.1:1",
        }).Build();

        var failures = Should.Throw<OptionsValidationException>(() => ServerConfiguration.Bind(configuration, new ServerOptions { DatabasePath = "state.db" })).Failures.ToList();

        failures.ShouldBe(["Resync:MaxRecordsPerPush: expected a whole number, found 'many'", "Resync:Url is not a setting — did you mean 'Urls'?"], ignoreOrder: true);
    }

    [Fact]
    public async Task BuildAsync_TheHostsConfigurationFiles_AreReadOnceNotWatched()
    {
        // Watching them would put an inotify watch on the working directory and each folder under it, and wake the server at
        // every write there (its state file's, a SQLite target's).
        using var folder = new TempDirectory("resync-settings");
        await using var app = await ResyncServer.BuildAsync(new ServerOptions { DatabasePath = folder.Combine("state.db"), Urls = "http://127.0.0.1:0" });

        var files = ((IConfigurationRoot)app.Configuration).Providers.OfType<FileConfigurationProvider>().ToList();

        files.ShouldNotBeEmpty();
        files.ShouldAllBe(file => !file.Source.ReloadOnChange);
    }

    [Fact]
    public async Task BuildAsync_InvalidOptions_RefusedBeforeAnythingOpens()
    {
        using var folder = new TempDirectory("resync-settings");
        var options = new ServerOptions { DatabasePath = folder.Combine("state.db"), MaxRecordsPerPush = 0 };

        var refused = await Should.ThrowAsync<OptionsValidationException>(() => ResyncServer.BuildAsync(options));

        refused.Failures.ShouldContain(f => f.StartsWith("Resync:MaxRecordsPerPush:", StringComparison.Ordinal));
        File.Exists(options.DatabasePath).ShouldBeFalse();
    }
}
