namespace Resync.Core.Tests.Runs;

/// <summary>
/// What the run and batch transition tests share: every (from, to) pair of a status split by the expected answer, and what
/// the table must answer for each, allowed or refused.
/// </summary>
internal static class TransitionCases
{
    /// <summary>The pairs <paramref name="expected"/> says are allowed (or, with <paramref name="allowed"/> false, refused).</summary>
    public static TheoryData<TStatus, TStatus> Pairs<TStatus>(Func<TStatus, TStatus, bool> expected, bool allowed)
        where TStatus : struct, Enum
    {
        var data = new TheoryData<TStatus, TStatus>();
        foreach (var from in Enum.GetValues<TStatus>())
        {
            foreach (var to in Enum.GetValues<TStatus>())
            {
                if (expected(from, to) == allowed)
                    data.Add(from, to);
            }
        }
        return data;
    }

    public static void ShouldBeAllowed<TStatus>(Func<TStatus, TStatus, bool> canTransition, Action<TStatus, TStatus> ensure, TStatus from, TStatus to)
    {
        canTransition(from, to).ShouldBeTrue();
        Should.NotThrow(() => ensure(from, to));
    }

    /// <summary>Refused, and <c>Ensure</c> throws naming the entity and both states; returns the exception for more checks.</summary>
    public static InvalidTransitionException ShouldBeRefused<TStatus>(Func<TStatus, TStatus, bool> canTransition, Action<TStatus, TStatus> ensure,
        string entity, TStatus from, TStatus to)
        where TStatus : struct, Enum
    {
        canTransition(from, to).ShouldBeFalse();

        var exception = Should.Throw<InvalidTransitionException>(() => ensure(from, to));

        exception.Entity.ShouldBe(entity);
        exception.From.ShouldBe(from.ToString());
        exception.To.ShouldBe(to.ToString());
        return exception;
    }
}
