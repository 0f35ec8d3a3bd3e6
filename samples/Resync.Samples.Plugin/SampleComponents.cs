using Resync.Core.Sdk;

namespace Resync.Samples.Plugin;

/// <summary>Registers the sample's source, step and target so that link files can name them.</summary>
public static class SampleComponents
{
    /// <summary>Adds <c>sensors</c> (source), <c>fahrenheit</c> (step) and <c>text-log</c> (target).</summary>
    public static ComponentCatalog AddSampleComponents(this ComponentCatalog catalog, TextWriter output) => catalog
        .AddSource("sensors", "Temperature readings from the sample's sensor network.",
            new ConfigSchema(new KeySpec("count", ValueKind.Integer, "How many readings.") { Default = "25" }),
            (config, _) =>
            {
                var count = config.Integer("count", 25);
                if (count < 0)
                    config.Problem("count", $"must be 0 or more, found {count}");
                return new SensorReadingsSource(count);
            })
        .AddStep("fahrenheit", "Adds a Fahrenheit field computed from a Celsius one.",
            new ConfigSchema(
                new KeySpec("field", ValueKind.Text, "The Celsius field.") { Required = true },
                new KeySpec("into", ValueKind.Text, "The field to write.") { Default = "fahrenheit" }),
            (config, _) => new FahrenheitStep(config.Text("field", ""), config.Text("into", "fahrenheit")))
        .AddTarget("text-log", "Writes one line per record to the program's output.",
            new ConfigSchema(new KeySpec("prefix", ValueKind.Text, "Text before each line.") { Default = "" }),
            (config, _) => new TextLogTarget(output, config.Text("prefix", "")));
}
