namespace Resync.Messaging.RabbitMq.Tests;

public sealed class RabbitMqSettingsTests
{
    [Fact]
    public void Validate_Defaults_HasNoProblem() =>
        new RabbitMqSettings(new Uri("amqp://resync:secret@mq.internal:5672/resync")).Validate().ShouldBeEmpty();

    [Fact]
    public void Validate_BadValues_NamesEverySettingAtOnce()
    {
        var settings = new RabbitMqSettings(new Uri("http://mq.internal")) { Queue = " ", DeliveryLimit = 0, Prefetch = 0, MaxUnreportedBatches = 0 };

        var problems = settings.Validate();

        problems.Count.ShouldBe(5);
        problems.ShouldContain(problem => problem.StartsWith("broker:", StringComparison.Ordinal) && problem.Contains("amqp://", StringComparison.Ordinal));
        problems.ShouldContain(problem => problem.StartsWith("deliveryLimit: 0", StringComparison.Ordinal));
    }
}
