using Resync.Core.Records;
using Record = Resync.Core.Records.Record;

namespace Resync.Core.Tests.Engine;

// (In Engine: a Records namespace here would hide Resync.Core.Records from the other tests.)

public sealed class RecordFieldsTests
{
    private static readonly FieldSchema Contact = new(["id", "name", "email"]);

    [Fact]
    public void SchemaFields_AnySequenceOfChanges_BehaveAsADictionary()
    {
        // Seeded: the same sequences every run. Both sides get the same changes; the order and values must never differ.
        var random = new Random(20);
        string[] names = ["id", "name", "email", "phone", "origin", "copy"];
        for (var round = 0; round < 500; round++)
        {
            var expected = new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "Ann", ["email"] = null };
            var fields = new RecordFields(Contact, [1L, "Ann", null]);
            for (var change = 0; change < 8; change++)
            {
                var name = names[random.Next(names.Length)];
                switch (random.Next(5))
                {
                    case 0 or 1:
                        expected[name] = change;
                        fields[name] = change;
                        break;
                    case 2:
                        expected.Remove(name, out var removed).ShouldBe(fields.Remove(name, out var gone));
                        gone.ShouldBe(removed);
                        break;
                    case 3:
                        expected.TryAdd(name, "added").ShouldBe(fields.TryAdd(name, "added"));
                        break;
                    default:
                        if (random.Next(4) == 0)
                        {
                            expected.Clear();
                            fields.Clear();
                        }
                        break;
                }
                fields.ToList().ShouldBe(expected.ToList(), $"round {round}, change {change}");
                fields.Count.ShouldBe(expected.Count);
                fields.ContainsKey(name).ShouldBe(expected.ContainsKey(name));
            }
        }
    }

    [Fact]
    public void Indexer_MissingField_ThrowsKeyNotFound()
    {
        var fields = new RecordFields(Contact, [1L, "Ann", null]);

        Should.Throw<KeyNotFoundException>(() => fields["phone"]).Message.ShouldContain("'phone'");
        fields.TryGetValue("phone", out _).ShouldBeFalse();
        fields["email"].ShouldBeNull();
    }

    [Fact]
    public void Clone_ThenChanged_LeavesTheOriginalIntact()
    {
        var record = new Record("1", new RecordFields(Contact, [1L, "Ann", "a@x.io"]));

        var copy = record.Clone();
        copy.Fields["name"] = "Bea";
        copy.Fields["origin"] = "crm";
        copy.Fields.Remove("email");

        record.Fields.ShouldBe(new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "Ann", ["email"] = "a@x.io" });
        copy.Fields.ShouldBe(new Dictionary<string, object?> { ["id"] = 1L, ["name"] = "Bea", ["origin"] = "crm" });
    }

    [Fact]
    public void Enumeration_FieldAddedMeanwhile_ThrowsAsADictionaryDoes()
    {
        var fields = new RecordFields(Contact, [1L, "Ann", null]);

        Should.Throw<InvalidOperationException>(() =>
        {
            foreach (var (name, _) in fields)
                fields[name + "2"] = 0;
        });
    }

    [Fact]
    public void Enumeration_FieldRemovedOrChangedMeanwhile_GoesOnWithWhatIsLeft()
    {
        var fields = new RecordFields(Contact, [1L, "Ann", "a@x.io"]);

        var seen = new List<KeyValuePair<string, object?>>();
        foreach (var field in fields)
        {
            seen.Add(field);
            fields.Remove("name");
            fields["email"] = "b@x.io";
        }

        seen.ShouldBe([new("id", 1L), new("email", "b@x.io")]);
    }

    [Fact]
    public void Constructor_ValuesNotOnePerField_IsRefused()
    {
        Should.Throw<ArgumentException>(() => new RecordFields(Contact, [1L, "Ann"])).Message.ShouldContain("2 values for 3 fields");
        Should.Throw<ArgumentException>(() => new FieldSchema(["id", "id"])).Message.ShouldContain("'id' appears twice");
    }

    [Fact]
    public void Dictionary_ConvertedToFields_IsWrappedNotCopied()
    {
        var dictionary = new Dictionary<string, object?> { ["id"] = 1L };

        var record = new Record("1", dictionary);
        dictionary["name"] = "Ann";

        record["name"].ShouldBe("Ann");
    }
}
