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

    public static TheoryData<RunStatus, RunStatus> AllowedTransitions() => TransitionCases.Pairs<RunStatus>((from, to) => Allowed.Contains((from, to)), allowed: true);

    public static TheoryData<RunStatus, RunStatus> IllegalTransitions() => TransitionCases.Pairs<RunStatus>((from, to) => Allowed.Contains((from, to)), allowed: false);

    [Theory]
    [MemberData(nameof(AllowedTransitions))]
    public void AllowedTransition_IsAllowed_AndEnsureDoesNotThrow(RunStatus from, RunStatus to) =>
        TransitionCases.ShouldBeAllowed(RunTransitions.CanTransition, RunTransitions.Ensure, from, to);

    [Theory]
    [MemberData(nameof(IllegalTransitions))]
    public void IllegalTransition_IsRefused_AndEnsureThrowsInvalidTransition(RunStatus from, RunStatus to) =>
        TransitionCases.ShouldBeRefused(RunTransitions.CanTransition, RunTransitions.Ensure, "run", from, to)
            .Message.ShouldBe($"A run cannot go from {from} to {to}.");

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
}
