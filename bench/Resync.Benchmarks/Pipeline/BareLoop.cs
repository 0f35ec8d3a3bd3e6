using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace Resync.Benchmarks.Pipeline;

/// <summary>
/// The reference: what a hand-written loop does with no error handling. <paramref name="fetches"/> page fetches at
/// once (in page order), each body deserialised by System.Text.Json (source-generated) into contacts, handed over a
/// bounded channel to <paramref name="writers"/> writer connections, each sending the same unnest upsert statement
/// as the PostgreSQL target, one autocommitted statement per page. No retry, no run state, no per-record checks:
/// its table has no length limit on the phone, so the bad records are written too (1% more rows than Resync writes).
/// </summary>
internal sealed class BareLoop(string apiUrl, NpgsqlDataSource dataSource, string table, int pageSize, int fetches, int writers)
{
    private readonly string _sql = ContactsTable.UpsertSql(table);

    /// <summary>Copies everything; returns the records written.</summary>
    public async Task<long> RunAsync(long total)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, AllowAutoRedirect = false });
        var pages = Channel.CreateBounded<Contact[]>(new BoundedChannelOptions(fetches * 2) { SingleWriter = true });
        var writing = Enumerable.Range(0, writers).Select(_ => Task.Run(() => WriteAsync(pages.Reader))).ToArray();

        var window = new Queue<Task<Contact[]>>();
        long next = 1;
        try
        {
            for (var i = 0; i < fetches; i++)
                window.Enqueue(FetchAsync(client, total, next++));
            while (window.Count > 0)
            {
                var page = await window.Dequeue();
                if (page.Length == 0)
                    break;
                window.Enqueue(FetchAsync(client, total, next++));
                await pages.Writer.WriteAsync(page);
            }
        }
        finally
        {
            pages.Writer.Complete();
            foreach (var fetch in window)
                await fetch;
        }
        var written = 0L;
        foreach (var count in await Task.WhenAll(writing))
            written += count;
        return written;
    }

    /// <summary>Every page, fetched one after the other (for the profile's writers-only row).</summary>
    public async Task<List<Contact[]>> FetchAllAsync(long total)
    {
        using var client = new HttpClient();
        var pages = new List<Contact[]>();
        for (long page = 1; ; page++)
        {
            var contacts = await FetchAsync(client, total, page);
            if (contacts.Length == 0)
                return pages;
            pages.Add(contacts);
        }
    }

    /// <summary>Writes pages already in memory with the loop's writers.</summary>
    public async Task<long> WriteAllAsync(IReadOnlyList<Contact[]> all)
    {
        var pages = Channel.CreateUnbounded<Contact[]>();
        foreach (var page in all)
            pages.Writer.TryWrite(page);
        pages.Writer.Complete();
        var written = 0L;
        foreach (var count in await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => WriteAsync(pages.Reader)))))
            written += count;
        return written;
    }

    private async Task<Contact[]> FetchAsync(HttpClient client, long total, long page)
    {
        var url = $"{apiUrl}/contacts?total={total}&size={pageSize}&page={page}";
        await using var body = await client.GetStreamAsync(new Uri(url));
        return await JsonSerializer.DeserializeAsync(body, ContactJson.Default.ContactArray) ?? [];
    }

    private async Task<long> WriteAsync(ChannelReader<Contact[]> pages)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var written = 0L;
        await foreach (var page in pages.ReadAllAsync())
        {
            var ids = new long[page.Length];
            var names = new string?[page.Length];
            var emails = new string?[page.Length];
            var phones = new string?[page.Length];
            var addresses = new string?[page.Length];
            var amounts = new string?[page.Length];
            var countries = new string?[page.Length];
            for (var i = 0; i < page.Length; i++)
            {
                var contact = page[i];
                ids[i] = contact.Id;
                names[i] = contact.Name;
                emails[i] = contact.Email;
                phones[i] = contact.Phone;
                addresses[i] = contact.Address;
                amounts[i] = contact.Amount;
                countries[i] = contact.Country;
            }
            await using var command = new NpgsqlCommand(_sql, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            foreach (var values in (string?[][])[names, emails, phones, addresses, amounts, countries])
                command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            written += await command.ExecuteNonQueryAsync();
        }
        return written;
    }
}

internal sealed record Contact(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("email")] string? Email,
    [property: JsonPropertyName("phone")] string? Phone,
    [property: JsonPropertyName("address")] string? Address,
    [property: JsonPropertyName("amount")] string? Amount,
    [property: JsonPropertyName("country")] string? Country);

[JsonSerializable(typeof(Contact[]))]
internal sealed partial class ContactJson : JsonSerializerContext;
