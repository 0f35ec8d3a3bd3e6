using Shouldly;

namespace Resync.Testing;

/// <summary>What recovery tests check of a collecting target fed numbered contacts (<see cref="TestRecords"/>).</summary>
public static class WrittenContacts
{
    /// <summary>The target holds contacts 1 to <paramref name="count"/>, each once: none lost, none written twice.</summary>
    public static void ShouldHoldEachOfTheFirst(this CollectingTarget target, int count, string? customMessage = null) =>
        target.Written.Select(TestRecords.Id).Order().ShouldBe(Enumerable.Range(1, count).Select(id => (long)id), customMessage);
}
