namespace Resync.Core.Tests.Errors;

internal static class ClassificationAssertions
{
    /// <summary>Asserts type, durability and code, and that the classification says what happened and hints at a fix.</summary>
    public static void ShouldBeClassifiedAs(this ErrorClassification classification, ErrorType type, Durability durability, string code) =>
        classification.ShouldSatisfyAllConditions(
            () => classification.Type.ShouldBe(type),
            () => classification.Durability.ShouldBe(durability),
            () => classification.Code.ShouldBe(code),
            () => classification.IsTransient.ShouldBe(durability == Durability.Ephemeral),
            () => classification.Message.ShouldNotBeNullOrWhiteSpace(),
            () => classification.Hint.ShouldNotBeNullOrWhiteSpace());
}
