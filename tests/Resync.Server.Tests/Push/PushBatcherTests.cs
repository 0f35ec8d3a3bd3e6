using Resync.Server.Push;

namespace Resync.Server.Tests.Push;

public sealed class PushBatcherTests
{
    [Fact]
    public async Task Enqueue_WhileTheLanesDispatchIsUnderWay_QueuedItemsShareTheNext_AtMostMaxPerRun_AndOtherLanesGoOn()
    {
        var dispatched = new List<string>();
        var firstUnderWay = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var otherLane = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batcher = new PushBatcher<string>(async items =>
        {
            lock (dispatched)
                dispatched.Add(string.Join(",", items));
            if (items[0] == "a1")
            {
                firstUnderWay.TrySetResult();
                await release.Task;
            }
            else if (items[0] == "b1")
                otherLane.TrySetResult();
            else if (items[^1] == "a5")
                allDone.TrySetResult();
        }, maxPerRun: 3, TimeSpan.Zero, TimeProvider.System);

        batcher.Enqueue("a", "a1");
        await firstUnderWay.Task.WaitAsync(Patience.Limit);
        foreach (var item in new[] { "a2", "a3", "a4", "a5" })
            batcher.Enqueue("a", item);
        batcher.Enqueue("b", "b1");
        await otherLane.Task.WaitAsync(Patience.Limit);
        release.SetResult();
        await allDone.Task.WaitAsync(Patience.Limit);

        lock (dispatched)
            dispatched.ShouldBe(["a1", "b1", "a2,a3,a4", "a5"]);
    }

    [Fact]
    public async Task Enqueue_WithAWindow_WaitsForMaxPerRunItems_AndDispatchesThemTogether()
    {
        var done = new TaskCompletionSource<IReadOnlyList<int>>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The manual clock never moves: only a full run can end the window.
        var batcher = new PushBatcher<int>(items =>
        {
            done.TrySetResult(items);
            return Task.CompletedTask;
        }, maxPerRun: 3, TimeSpan.FromSeconds(1), new ManualTimeProvider());

        batcher.Enqueue("a", 1);
        batcher.Enqueue("a", 2);
        batcher.Enqueue("a", 3);

        (await done.Task.WaitAsync(Patience.Limit)).ShouldBe([1, 2, 3]);
    }
}
