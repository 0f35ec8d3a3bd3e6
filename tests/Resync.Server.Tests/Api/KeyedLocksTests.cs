using Resync.Server.Api;

namespace Resync.Server.Tests.Api;

/// <summary>One lock per key, gone with its last user.</summary>
public sealed class KeyedLocksTests
{
    [Fact]
    public async Task SameKey_SecondWaitsUntilTheFirstIsReleased()
    {
        var locks = new KeyedLocks();
        var first = await locks.AcquireAsync("k", CancellationToken.None);

        var second = locks.AcquireAsync("k", CancellationToken.None);
        second.IsCompleted.ShouldBeFalse();
        first.Dispose();
        (await second).Dispose();

        locks.Count.ShouldBe(0);
    }

    [Fact]
    public async Task OtherKey_DoesNotWait()
    {
        var locks = new KeyedLocks();
        using var first = await locks.AcquireAsync("a", CancellationToken.None);

        var other = locks.AcquireAsync("b", CancellationToken.None);

        other.IsCompletedSuccessfully.ShouldBeTrue();
        (await other).Dispose();
        locks.Count.ShouldBe(1);
    }

    [Fact]
    public async Task ManyKeysUsedOnce_LeaveNoLockBehind()
    {
        var locks = new KeyedLocks();
        for (var i = 0; i < 1000; i++)
            (await locks.AcquireAsync($"key-{i}", CancellationToken.None)).Dispose();

        locks.Count.ShouldBe(0);
    }

    [Fact]
    public async Task CancelledWaiter_LeavesTheKeyToItsHolder_AndNoLockOnceReleased()
    {
        var locks = new KeyedLocks();
        var holder = await locks.AcquireAsync("k", CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiter = locks.AcquireAsync("k", cancel.Token);
        await cancel.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(waiter);
        locks.Count.ShouldBe(1);
        holder.Dispose();
        holder.Dispose(); // a second release is ignored
        locks.Count.ShouldBe(0);
    }
}
