namespace Resync.Server.Tests.Observability;

/// <summary>Liveness and readiness: <c>/health/ready</c> (and <c>/health</c>) follow what the server can do; <c>/health/live</c> only that it answers.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes; the server's CI runs on Linux
    public async Task StateFileMadeReadOnly_ReadyTurnsUnhealthy_AndHealthyAgainOnceWritable()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(null);
        (await StatusAsync(client, "/health/ready")).ShouldBe((HttpStatusCode.OK, "Healthy"));

        var mode = File.GetUnixFileMode(server.Options.DatabasePath);
        File.SetUnixFileMode(server.Options.DatabasePath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            (await StatusAsync(client, "/health/ready")).ShouldBe((HttpStatusCode.ServiceUnavailable, "Unhealthy"));
            (await StatusAsync(client, "/health")).ShouldBe((HttpStatusCode.ServiceUnavailable, "Unhealthy"));
            (await StatusAsync(client, "/health/live")).ShouldBe((HttpStatusCode.OK, "Healthy"));
            var answer = await ServerHarness.JsonAsync(await client.GetAsync("/health/ready"));
            answer["checks"]!["state-store"]!["description"]!.GetValue<string>().ShouldContain("read-only");
            answer["checks"]!["scheduler"]!["status"]!.GetValue<string>().ShouldBe("Healthy");
        }
        finally
        {
            File.SetUnixFileMode(server.Options.DatabasePath, mode);
        }

        (await StatusAsync(client, "/health/ready")).ShouldBe((HttpStatusCode.OK, "Healthy"));
    }

    [Fact]
    public async Task Ready_ListsEveryCheck_WithoutAKey()
    {
        await using var server = await ServerHarness.StartAsync();
        using var client = server.Client(null);
        var answer = await ServerHarness.JsonAsync(await client.GetAsync("/health/ready"));
        answer["checks"]!.AsObject().Select(check => check.Key).Order().ShouldBe(["alert-outbox", "breakers", "log-sinks", "scheduler", "state-store"]);
    }

    private static async Task<(HttpStatusCode, string)> StatusAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return (response.StatusCode, (await ServerHarness.JsonAsync(response))["status"]!.GetValue<string>());
    }
}
