namespace Resync.Core.Tests.Recovery;

public sealed class RetryChainTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void From_RunThatDidNotSucceed_ResolvesNothing() =>
        RetryChain.From(new ChainRun(3, 2, RunStatus.CompletedWithErrors, true, RunKind.Retry), At).ShouldBeNull();

    [Fact]
    public void Step_EveryAncestorCarriedInFull_IsResolvedByTheSucceedingRun_AndTheRootMovesTheWatermark()
    {
        var chain = RetryChain.From(new ChainRun(3, 2, RunStatus.Succeeded, true, RunKind.Retry), At)!;

        var middle = chain.Step(new ChainRun(2, 1, RunStatus.Failed, true, RunKind.Replay));
        var root = chain.Step(new ChainRun(1, null, RunStatus.CompletedWithErrors, true, RunKind.Scheduled));

        middle.Resolved.ShouldBe(new RunEvent(2, At, RunEventKinds.ResolvedByChain, RunEventMessages.ResolvedByChain(RunStatus.Failed, "retry run 3")));
        middle.IsRoot.ShouldBeFalse();
        root.Resolved!.Message.ShouldBe("Was Completed with errors; now Succeeded: retry run 3 resolved every failure.");
        root.IsRoot.ShouldBeTrue();
        chain.NextParentId.ShouldBeNull();
        chain.Resolved.ShouldBe([2, 1]);
    }

    [Fact]
    public void Step_AncestorThatSucceededAlready_IsLeftAsItIs_AndTheWalkGoesOn()
    {
        var chain = RetryChain.From(new ChainRun(3, 2, RunStatus.Succeeded, true, RunKind.Retry), At)!;

        chain.Step(new ChainRun(2, 1, RunStatus.Succeeded, true, RunKind.Retry)).Resolved.ShouldBeNull();

        chain.NextParentId.ShouldBe(1);
    }

    [Fact]
    public void NextParentId_ChildThatCarriedOnlySomeFailures_EndsTheWalk()
    {
        var chain = RetryChain.From(new ChainRun(3, 2, RunStatus.Succeeded, false, RunKind.Retry), At)!;

        chain.NextParentId.ShouldBeNull();
        chain.Resolved.ShouldBeEmpty();
    }

    [Fact]
    public void Step_AncestorStillRunning_IsLeftAlone_AndEndsTheWalk()
    {
        var chain = RetryChain.From(new ChainRun(3, 2, RunStatus.Succeeded, true, RunKind.Resume), At)!;

        var step = chain.Step(new ChainRun(2, 1, RunStatus.Running, true, RunKind.Scheduled));

        step.Resolved.ShouldBeNull();
        step.IsRoot.ShouldBeFalse();
        chain.NextParentId.ShouldBeNull();
    }

    [Fact]
    public void Step_RunThatIsNotTheNextAncestor_IsRefused()
    {
        var chain = RetryChain.From(new ChainRun(3, 2, RunStatus.Succeeded, true, RunKind.Retry), At)!;

        Should.Throw<InvalidOperationException>(() => chain.Step(new ChainRun(7, null, RunStatus.Failed, true, RunKind.Scheduled)))
            .Message.ShouldContain("Run 7 is not the next ancestor");
    }
}
