namespace Resync.Core.Tests.Runs;

public sealed class RunTransitionsTests
{
    private static readonly HashSet<(RunStatus From, RunStatus To)> Allowed =
    [
        (RunStatus.Running, RunStatus.Succeeded),
        (RunStatus.Running, RunStatus.CompletedWithErrors),
        (RunStatus.Running, RunStatus.Failed),
        (RunStatus.Running, RunStatus.Interrupted),
        // A retry chain that eventually succeeds turns its root into a success.
        (RunStatus.CompletedWithErrors, RunStatus.Succeeded),
        (RunStatus.Failed, RunStatus.Succeeded),
        (RunStatus.Interrupted, RunStatus.Succeeded),
    ];

    public static TheoryData<RunStatus, RunStatus> AllowedTransitions() => Pairs(allowed: true);

    public static TheoryData<RunStatus, RunStatus> IllegalTransitions() => Pairs(allowed: false);

    [Theory]
    [MemberData(nameof(AllowedTransitions))]
    public void AllowedTransition_IsAllowed_AndEnsureDoesNotThrow(RunStatus from, RunStatus to)
    {
        RunTransitions.CanTransition(from, to).ShouldBeTrue();
        Should.NotThrow(() => RunTransitions.Ensure(from, to));
    }

    [Theory]
    [MemberData(nameof(IllegalTransitions))]
    public void IllegalTransition_IsRefused_AndEnsureThrowsInvalidTransition(RunStatus from, RunStatus to)
    {
        RunTransitions.CanTransition(from, to).ShouldBeFalse();

        var exception = Should.Throw<InvalidTransitionException>(() => RunTransitions.Ensure(from, to));

        exception.Entity.ShouldBe("run");
        exception.From.ShouldBe(from.ToString());
        exception.To.ShouldBe(to.ToString());
        exception.Message.ShouldBe($"A run cannot go from {from} to {to}.");
    }

    [Fact]
    public void IllegalTransitions_IncludeEveryChangeOutOfSucceededAndBackToRunning()
    {
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            RunTransitions.CanTransition(status, RunStatus.Running).ShouldBeFalse();
            RunTransitions.CanTransition(RunStatus.Succeeded, status).ShouldBeFalse();
        }
    }

    [Theory]
    [InlineData(RunStatus.Running, false)]
    [InlineData(RunStatus.Succeeded, true)]
    [InlineData(RunStatus.CompletedWithErrors, true)]
    [InlineData(RunStatus.Failed, true)]
    [InlineData(RunStatus.Interrupted, true)]
    public void IsFinal_IsTrueForEveryStateButRunning(RunStatus status, bool final) => status.IsFinal().ShouldBe(final);

    private static TheoryData<RunStatus, RunStatus> Pairs(bool allowed)
    {
        var data = new TheoryData<RunStatus, RunStatus>();
        foreach (var from in Enum.GetValues<RunStatus>())
        {
            foreach (var to in Enum.GetValues<RunStatus>())
            {
                if (Allowed.Contains((from, to)) == allowed)
                    data.Add(from, to);
            }
        }
        return data;
    }
}
