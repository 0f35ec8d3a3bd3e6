using System.Globalization;
using Resync.Core.Records;

namespace Resync.Testing;

/// <summary>Records for tests: numbered contacts with a key <c>c{id}</c> and the fields <c>id</c>, <c>name</c> and <c>email</c>.</summary>
public static class TestRecords
{
    /// <summary>One contact with the email <c>contact{id}@example.com</c>.</summary>
    public static Record Contact(long id) => Contact(id, $"contact{id.ToString(CultureInfo.InvariantCulture)}@example.com");

    /// <summary>One contact with the given email (null: the field is there, but empty).</summary>
    public static Record Contact(long id, string? email) => new(
        "c" + id.ToString(CultureInfo.InvariantCulture),
        new Dictionary<string, object?>
        {
            ["id"] = id,
            ["name"] = "Contact " + id.ToString(CultureInfo.InvariantCulture),
            ["email"] = email,
        });

    /// <summary><paramref name="count"/> contacts numbered from <paramref name="firstId"/>.</summary>
    public static IReadOnlyList<Record> Contacts(long firstId, int count) =>
        [.. Enumerable.Range(0, count).Select(offset => Contact(firstId + offset))];

    /// <summary><paramref name="pageCount"/> pages of <paramref name="pageSize"/> contacts, numbered 1, 2, 3… across pages.</summary>
    public static IReadOnlyList<IReadOnlyList<Record>> Pages(int pageCount, int pageSize) =>
        [.. Enumerable.Range(0, pageCount).Select(page => Contacts(1 + ((long)page * pageSize), pageSize))];

    /// <summary>A contact's <c>id</c> field.</summary>
    public static long Id(Record record) => (long)record["id"]!;
}
