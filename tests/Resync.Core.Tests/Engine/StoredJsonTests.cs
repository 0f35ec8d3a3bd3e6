using System.Text.Json;
using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Core.Tests.Engine;

public sealed class StoredJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 10, 30, 15, 250, TimeSpan.Zero);

    private static readonly ResyncError TooLong = new(ErrorScope.Record, ErrorType.Data, Durability.Durable, "22001", "value too long for type character varying(40)", "target",
            ["phone"], "Shorten the phone.", At, 1);

    public static TheoryData<ResyncError> Errors() => new()
    {
        TooLong,
        // No step, no hint, no fields: the nulls are left out, as the options say.
        new ResyncError(ErrorScope.System, ErrorType.Connection, Durability.Ephemeral, "HTTP_503", "Service Unavailable: \"ü\" <b>", null, [], null, At, 3),
        new ResyncError(ErrorScope.Batch, ErrorType.InvalidAccessToken, Durability.Durable, "401", "token=abc123 rejected", "source", ["a", "b"], "Renew password=hunter2", At, 2),
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void Error_WrittenByTheGeneratedSerializer_IsWhatTheStoreOptionsWriteAndReadsBack(ResyncError error)
    {
        var stored = StoredJson.Error(error)!;

        // The reflection-based serializer with the stores' options (what stored errors were written with before) writes the same text.
        var masked = error with { Message = SecretText.Mask(error.Message), Hint = SecretText.MaskOrNull(error.Hint) };
        stored.ShouldBe(JsonSerializer.Serialize(masked, StoredJson.Options));
        var read = StoredJson.Error(stored).ShouldNotBeNull();
        read.ShouldBe(masked with { Fields = read.Fields });
        read.Fields.ShouldBe(error.Fields);
    }

    [Fact]
    public void Error_HasItsEnumsAsTextAndNoNulls()
    {
        var stored = StoredJson.Error(TooLong with { Step = null, Hint = null })!;

        stored.ShouldContain("\"durability\":\"Durable\"");
        stored.ShouldContain("\"scope\":\"Record\"");
        stored.ShouldNotContain("null");
    }

    [Fact]
    public void Fields_AreWrittenAsRecordJsonWritesARecord_DatesAndNonFiniteNumbersIncluded()
    {
        var fields = new Dictionary<string, object?>
        {
            ["id"] = 7L, ["amount"] = 12.50m, ["when"] = At, ["ratio"] = double.NaN, ["name"] = "Zoë", ["none"] = null,
            ["address"] = JsonDocument.Parse("""{"city":"Oslo"}""").RootElement,
        };

        var stored = StoredJson.Fields(fields)!;

        stored.ShouldBe(RecordJson.Serialize(fields));
        stored.ShouldBe("""{"id":7,"amount":12.50,"when":"2026-12-04T10:30:15.2500000\u002B00:00","ratio":"NaN","name":"Zo\u00EB","none":null,"address":{"city":"Oslo"}}""");
        RecordJson.ToFields(stored)["amount"].ShouldBe(12.50m);
    }

    [Fact]
    public void Fields_OneVeryLargeRecordBetweenSmallOnes_EachWrittenWhole()
    {
        // The thread's writer is reused; one grown past what is kept is dropped, and the next record starts clean.
        var small = new Dictionary<string, object?> { ["id"] = 1L };
        var large = new Dictionary<string, object?> { ["id"] = 2L, ["text"] = new string('x', 200_000) };

        var first = StoredJson.Fields(small);
        var big = StoredJson.Fields(large)!;
        var after = StoredJson.Fields(small);

        first.ShouldBe("""{"id":1}""");
        big.Length.ShouldBe(200_000 + """{"id":2,"text":""}""".Length);
        after.ShouldBe(first);
    }

    [Fact]
    public void Fields_AValueThatCannotBeWritten_Throws_AndTheNextRecordIsWrittenWhole()
    {
        var broken = new Dictionary<string, object?> { ["id"] = 1L, ["loop"] = new SelfReferencing() };

        Should.Throw<JsonException>(() => StoredJson.Fields(broken));

        StoredJson.Fields(new Dictionary<string, object?> { ["id"] = 3L }).ShouldBe("""{"id":3}""");
    }

    private sealed class SelfReferencing
    {
        public SelfReferencing Self => this;
    }
}
