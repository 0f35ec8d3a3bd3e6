namespace Resync.Cli.Tests;

/// <summary>Where <c>resync serve</c> takes its settings from, and in which order: command line &gt; environment &gt; settings file &gt; defaults.</summary>
public sealed class ServeSettingsTests : IDisposable
{
    private const string AnyPort = "http://127.0.0.1:0";
    private readonly CliProcess _cli = new();

    [Fact]
    public async Task Serve_NoSettings_RunsWithTheDocumentedDefaults()
    {
        var started = await _cli.ServeAsync(["--urls", AnyPort]);

        Settings(started)["maxRecordsPerPush"]!.GetValue<int>().ShouldBe(10_000);
        Settings(started)["maxBodyBytes"]!.GetValue<long>().ShouldBe(4L * 1024 * 1024);
        started["stateFile"]!.GetValue<string>().ShouldBe(_cli.StateFile);
    }

    [Fact]
    public async Task Serve_AppSettingsFileInTheCurrentFolder_IsRead()
    {
        _cli.Write("appsettings.json", """{ "Resync": { "MaxRecordsPerPush": 77, "AllowLoopback": true } }""");

        var started = await _cli.ServeAsync(["--urls", AnyPort]);

        Settings(started)["maxRecordsPerPush"]!.GetValue<int>().ShouldBe(77);
        Settings(started)["allowLoopback"]!.GetValue<bool>().ShouldBeTrue();
    }

    [Fact]
    public async Task Serve_ConfigOption_ReadsThatFile()
    {
        var file = _cli.Write("production.json", """{ "Resync": { "IdempotencyWindow": "02:00:00" } }""");

        var started = await _cli.ServeAsync(["--urls", AnyPort, "--config", file]);

        Settings(started)["idempotencyWindow"]!.GetValue<string>().ShouldBe("02:00:00");
    }

    [Fact]
    public async Task Serve_ResyncEnvironmentVariable_IsRead()
    {
        _cli.Environment["RESYNC__MaxRecordsPerPush"] = "88";

        var started = await _cli.ServeAsync(["--urls", AnyPort]);

        Settings(started)["maxRecordsPerPush"]!.GetValue<int>().ShouldBe(88);
    }

    [Fact]
    public async Task Serve_AllowedNetworksFromTheEnvironment_AreReadLikeEveryOtherSetting()
    {
        // Regression: a list of ranges given anywhere but the command line was dropped without a word.
        _cli.Environment["RESYNC__ALLOWEDNETWORKS__0"] = "10.20.0.0/16";

        var started = await _cli.ServeAsync(["--urls", AnyPort, "--allow-files", _cli.Folder]);

        Settings(started)["allowedNetworks"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(["10.20.0.0/16"]);
        Settings(started)["allowedFileRoots"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe([Path.GetFullPath(_cli.Folder)]);
    }

    [Fact]
    public async Task Serve_KeyRingCertificatePassword_IsNeverPrinted()
    {
        _cli.Environment["RESYNC_KEY_RING_CERTIFICATE_PASSWORD"] = "CANARY-PASSWORD";

        var started = await _cli.ServeAsync(["--urls", AnyPort]);

        Settings(started)["keyRingCertificatePassword"]!.GetValue<string>().ShouldBe("********");
        started.ToJsonString().ShouldNotContain("CANARY-PASSWORD");
    }

    [Fact]
    public async Task Serve_AspNetCoreUrls_IsWhereItListens()
    {
        _cli.Environment["ASPNETCORE_URLS"] = AnyPort;
        using var http = new HttpClient();

        await _cli.ServeAsync([], async started =>
        {
            var address = started["listening"]!.AsArray().Single()!.GetValue<string>();
            address.ShouldNotEndWith(":5080");
            (await http.GetAsync(new Uri($"{address}/health"))).IsSuccessStatusCode.ShouldBeTrue();
        });
    }

    [Fact]
    public async Task Serve_SameSettingEverywhere_CommandLineThenEnvironmentThenFileWin()
    {
        _cli.Write("appsettings.json", """{ "Resync": { "Urls": "http://127.0.0.1:1", "MaxRecordsPerPush": 1, "MaxBodyBytes": 5000 } }""");
        _cli.Environment["RESYNC__URLS"] = "http://127.0.0.1:2";
        _cli.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:3";
        _cli.Environment["RESYNC__MAXRECORDSPERPUSH"] = "2";

        var started = await _cli.ServeAsync(["--urls", AnyPort]);

        Settings(started)["urls"]!.GetValue<string>().ShouldBe(AnyPort);
        Settings(started)["maxRecordsPerPush"]!.GetValue<int>().ShouldBe(2);
        Settings(started)["maxBodyBytes"]!.GetValue<long>().ShouldBe(5000);
    }

    [Fact]
    public async Task Serve_ResyncUrlsVariable_WinsOverAspNetCoreUrls()
    {
        _cli.Environment["RESYNC__URLS"] = AnyPort;
        _cli.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:3";

        var started = await _cli.ServeAsync([]);

        Settings(started)["urls"]!.GetValue<string>().ShouldBe(AnyPort);
    }

    [Fact]
    public async Task Serve_JsonConsoleFormatter_LogsJsonLines()
    {
        _cli.Environment["Logging__Console__FormatterName"] = "json";
        using var process = _cli.Start("serve", "--db", _cli.StateFile, "--urls", AnyPort);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);

            JsonNode.Parse(line!)!["LogLevel"].ShouldNotBeNull(line);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(timeout.Token);
        }
    }

    [Fact]
    public async Task Serve_SettingOutOfRange_StopsAtStartNamingTheSettingAndItsSource()
    {
        _cli.Environment["RESYNC__MaxBodyBytes"] = "12";

        var error = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--urls", AnyPort);

        error.ShouldContain("Resync:MaxBodyBytes (from the environment variable RESYNC__MAXBODYBYTES): The field MaxBodyBytes must be between 1024 and 2147483648.");
        File.Exists(_cli.StateFile).ShouldBeFalse();
    }

    [Fact]
    public async Task Serve_SettingsFileWithTypoAndWrongValue_ListsBothWithTheFile()
    {
        var file = _cli.Write("appsettings.json", """{ "Resync": { "MaxRecordPerPush": 5, "AllowLoopback": "yes", "ShutdownTimeout": "-00:00:05" } }""");

        var error = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--urls", AnyPort);

        error.ShouldContain($"Resync:MaxRecordPerPush (from {file}) is not a setting — did you mean 'MaxRecordsPerPush'?");
        error.ShouldContain($"Resync:AllowLoopback (from {file}): expected true or false, found 'yes'");
    }

    [Fact]
    public async Task Serve_NegativeDuration_IsRefused()
    {
        _cli.Environment["RESYNC__ShutdownTimeout"] = "-00:00:05";

        var error = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--urls", AnyPort);

        error.ShouldContain("Resync:ShutdownTimeout (from the environment variable RESYNC__SHUTDOWNTIMEOUT): a duration may not be negative");
    }

    [Fact]
    public async Task Serve_ConfigFileMissingOrNotJson_IsAUsageError()
    {
        var missing = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--config", "nowhere.json");
        var broken = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--config", _cli.Write("broken.json", "{ \"Resync\": "));

        missing.ShouldContain("The settings file 'nowhere.json' does not exist.");
        broken.ShouldContain("broken.json");
    }

    [Fact]
    public async Task Serve_LinksFolderThatDoesNotExist_NamesTheSetting()
    {
        var error = await _cli.RunFailingAsync(64, "serve", "--db", _cli.StateFile, "--links", "./links");

        error.ShouldContain("The links folder './links' (Resync:LinksFolder, --links) does not exist.");
    }

    private static JsonObject Settings(JsonObject started) => started["settings"]!.AsObject();

    public void Dispose() => _cli.Dispose();
}
