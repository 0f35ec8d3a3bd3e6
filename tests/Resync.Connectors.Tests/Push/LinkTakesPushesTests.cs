namespace Resync.Connectors.Tests.Push;

public sealed class LinkTakesPushesTests
{
    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    public void TakesPushes_NeedsAPushSourceAndThePushTrigger(bool pushSource, bool pushTrigger, bool takesPushes)
    {
        var link = new Link("contacts", pushSource ? new PushSource() : new ListSource(), [], new CollectingTarget())
        {
            Trigger = new LinkTrigger(Push: pushTrigger),
        };

        link.TakesPushes.ShouldBe(takesPushes);
    }
}
