using Resync.Core.Errors;
using Resync.Core.Sdk;

namespace Resync.Samples.Plugin;

/// <summary>
/// A step of your own: adds a Fahrenheit field computed from a Celsius one. A reading without a number
/// fails as a Data record error; failures are returned, never thrown.
/// </summary>
public sealed class FahrenheitStep(string celsiusField, string into) : IStep
{
    public string Name => $"fahrenheit({celsiusField})";

    public StepResult Apply(StepContext context)
    {
        if (context.Record[celsiusField] is not decimal celsius)
        {
            return StepResult.Fail(new ErrorClassification(ErrorType.Data, Durability.Durable, "NO_READING",
                $"{celsiusField} has no temperature", "Check the sensor; the reading is retried once it reports.", [celsiusField]));
        }
        context.Record.Fields[into] = celsius * 9 / 5 + 32;
        return StepResult.Continue;
    }
}
