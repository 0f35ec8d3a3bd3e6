using System.Text.Json;

namespace Resync.Core.Tests.Engine;

public sealed class RecordJsonTests
{
    private const string Sample = """
        {"text":"Ann","whole":42,"exact":19.99,"huge":1e300,"beyond":1e400,"yes":true,"no":false,"none":null,"tags":["a"],"address":{"city":"Oslo"}}
        """;

    [Fact]
    public void ToValue_EachKindOfJsonValue_BecomesItsRecordValue()
    {
        using var document = JsonDocument.Parse(Sample);

        var fields = RecordJson.ToFields(document.RootElement);

        fields["text"].ShouldBe("Ann");
        fields["whole"].ShouldBe(42L);
        fields["exact"].ShouldBe(19.99m);
        fields["huge"].ShouldBe(1e300);
        fields["beyond"].ShouldBe(double.PositiveInfinity);
        fields["yes"].ShouldBe(true);
        fields["no"].ShouldBe(false);
        fields["none"].ShouldBeNull();
        fields["tags"].ShouldBeOfType<JsonElement>().GetRawText().ShouldBe("[\"a\"]");
        fields["address"].ShouldBeOfType<JsonElement>().GetRawText().ShouldBe("{\"city\":\"Oslo\"}");
    }

    [Fact]
    public void ToFields_FromTextAndFromAnElement_GiveTheSameValues()
    {
        // The snapshot reader reads the text straight into values: it must follow ToValue's rule to the letter.
        using var document = JsonDocument.Parse(Sample);
        var fromElement = RecordJson.ToFields(document.RootElement);

        var fromText = RecordJson.ToFields(Sample);

        fromText.Keys.ShouldBe(fromElement.Keys);
        foreach (var (name, value) in fromElement)
        {
            if (value is JsonElement element)
                fromText[name].ShouldBeOfType<JsonElement>().GetRawText().ShouldBe(element.GetRawText(), name);
            else
                fromText[name].ShouldBe(value, name);
        }
    }

    [Fact]
    public void Serialize_ThenToFields_KeepsADecimalExact()
    {
        var json = RecordJson.Serialize(new Dictionary<string, object?> { ["amount"] = 0.1m + 0.2m, ["id"] = 7 });

        var fields = RecordJson.ToFields(json);

        json.ShouldBe("""{"amount":0.3,"id":7}""");
        fields["amount"].ShouldBe(0.3m);
        fields["id"].ShouldBe(7L);
    }

    [Fact]
    public void Serialize_DatesNonFiniteNumbersAndLists_AreWrittenAsJson()
    {
        var at = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
        using var nested = JsonDocument.Parse("""{"city":"Oslo"}""");

        var json = RecordJson.Serialize(new Dictionary<string, object?>
        {
            ["at"] = at, ["ratio"] = double.NaN, ["tags"] = new List<string> { "a", "b" }, ["address"] = nested.RootElement, ["big"] = ulong.MaxValue,
        });

        // (Escaped as JsonSerializer escaped snapshots before: only dates, now with seven digits, and non-finite doubles, once refused, differ.)
        json.ShouldBe("""{"at":"2026-03-01T09:30:00.0000000\u002B00:00","ratio":"NaN","tags":["a","b"],"address":{"city":"Oslo"},"big":18446744073709551615}""");
    }
}
