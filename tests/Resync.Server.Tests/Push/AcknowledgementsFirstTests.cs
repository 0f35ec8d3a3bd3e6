using Resync.Server.Push;

namespace Resync.Server.Tests.Push;

public sealed class AcknowledgementsFirstTests
{
    [Fact]
    public async Task WaitAsync_NothingBeingStored_ReturnsAtOnce()
    {
        var first = new AcknowledgementsFirst();
        first.Storing();
        first.Committed(1);

        await first.WaitAsync(budget: 10, stop: () => false).WaitAsync(Patience.Limit);
    }

    [Fact]
    public async Task WaitAsync_WhilePushesAreBeingStored_WaitsForTheirCommit()
    {
        var first = new AcknowledgementsFirst();
        first.Storing();
        first.Storing();

        var wait = first.WaitAsync(budget: 10, stop: () => false);
        wait.IsCompleted.ShouldBeFalse("two pushes are being stored");
        first.Committed(2);

        await wait.WaitAsync(Patience.Limit);
    }

    [Fact]
    public async Task WaitAsync_ABurstThatNeverPauses_ReturnsOnceTheBudgetIsAcknowledged()
    {
        var first = new AcknowledgementsFirst();
        first.Storing();
        var wait = first.WaitAsync(budget: 3, stop: () => false);

        // Each commit answers one push while another is already waiting to be stored: the burst never pauses.
        for (var i = 0; i < 2; i++)
        {
            first.Storing();
            first.Committed(1);
        }
        wait.IsCompleted.ShouldBeFalse("two of the three pushes of the budget are acknowledged");
        first.Storing();
        first.Committed(1);

        await wait.WaitAsync(Patience.Limit);
    }

    [Fact]
    public async Task WaitAsync_Stopping_ReturnsAtTheNextCommit()
    {
        var first = new AcknowledgementsFirst();
        var stopping = false;
        first.Storing();
        first.Storing();
        var wait = first.WaitAsync(budget: 100, stop: () => stopping);

        stopping = true;
        first.Committed(1);

        await wait.WaitAsync(Patience.Limit);
    }
}
