using System.Text.Json;

namespace Resync.Cli.Tests;

/// <summary>The runtime configuration the <c>resync</c> command starts with (its <c>resync.runtimeconfig.json</c>).</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void ToolRuntimeConfig_Gen0Budget_IsSetWithoutAnEnvironmentVariable()
    {
        // The runtime reads GCgen0size from the environment alone; Gen0MaxBudget is the knob it reads from this file.
        ToolProperties().GetProperty("System.GC.Gen0MaxBudget").GetInt64().ShouldBe(32L * 1024 * 1024);
    }

    [Fact]
    public void ToolRuntimeConfig_IdleThreadPoolWorkers_SleepWithoutSpinning()
    {
        ToolProperties().GetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit").GetInt32().ShouldBe(0);
    }

    private static JsonElement ToolProperties()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "resync.runtimeconfig.json")));
        return config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
