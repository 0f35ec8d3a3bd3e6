using Resync.Core.Records;
using Shouldly;
using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Engine;

// (In Engine, like RecordFieldsTests: a Records namespace here would hide Resync.Core.Records from the other tests.)

public sealed class RecordTests
{
    private static readonly FieldSchema Contact = new(["id", "name"]);

    [Theory]
    [InlineData(42L, "42")]
    [InlineData("c-7", "c-7")]
    [InlineData(true, "true")]
    [InlineData(null, null)]
    public void Keyed_AnyValue_GivesTheKeyAStringKeyWouldHave(object? value, string? expected)
    {
        var keyed = Record.Keyed(value, new RecordFields(Contact, [value, "Ann"]));

        keyed.Key.ShouldBe(new Record(Record.KeyText(value), new RecordFields(Contact, [value, "Ann"])).Key);
        keyed.Key.ShouldBe(expected);
    }

    [Fact]
    public void Keyed_Decimal_IsItsInvariantText() =>
        Record.Keyed(12.50m, new RecordFields(Contact, [12.50m, "Ann"])).Key.ShouldBe("12.50");

    [Fact]
    public void Keyed_KeyFieldChangedBeforeTheKeyIsRead_KeepsTheKeyItWasReadWith()
    {
        // The key is the source's id as read: a step that rewrites the field later must not change it (as with a string key).
        var record = Record.Keyed(7L, new RecordFields(Contact, [7L, "Ann"]));
        record.Fields["id"] = 8L;

        record.Key.ShouldBe("7");
        record.Clone().Key.ShouldBe("7");
    }

    [Fact]
    public void Clone_OfAKeyedRecord_HasTheSameKeyAndItsOwnFields()
    {
        var record = Record.Keyed(7L, new RecordFields(Contact, [7L, "Ann"]));
        var copy = record.Clone();
        copy.Fields["name"] = "Bob";

        copy.Key.ShouldBe("7");
        record.Key.ShouldBe("7");
        record["name"].ShouldBe("Ann");
    }
}
