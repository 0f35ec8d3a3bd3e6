using System.Globalization;
using Microsoft.AspNetCore.Http;
using Resync.Testing.Http;

namespace Resync.Cli.Tests;

/// <summary>A paged contacts API with change times (<c>?since=…&amp;page=n</c>), for pull links with a watermark (<c>updated</c>).</summary>
internal static class ChangedContacts
{
    public static string Key(int i) => string.Create(CultureInfo.InvariantCulture, $"c-{i:D4}");

    public static string Changed(int i) => string.Create(CultureInfo.InvariantCulture, $"2026-01-01T00:{i / 60:D2}:{i % 60:D2}Z");

    /// <summary>A pull link's source (YAML, one line) reading this API at <paramref name="url"/> with its watermark, a page at a time.</summary>
    public static string Source(string url) =>
        $"{{ type: http, url: \"{url}/contacts\", keyField: id, changedSince: since, watermarkField: updated, pagination: {{ style: page, pageParam: page, concurrency: 1 }} }}";

    /// <summary>The name of the pull link <see cref="WritePullLink"/> writes (its watermark is read by this name).</summary>
    public const string LinkName = "pulled";

    /// <summary>
    /// Writes the pull link <see cref="LinkName"/> (<c>pulled.yaml</c> in the CLI's folder): this API at <paramref name="url"/> into
    /// <paramref name="target"/> (YAML, one line), a page a batch; answers its path.
    /// </summary>
    public static string WritePullLink(CliProcess cli, string url, string target, int pageSize, int parallelism) => cli.Write($"{LinkName}.yaml", $$"""
        name: {{LinkName}}
        source: {{Source(url)}}
        target: {{target}}
        settings: { batchSize: {{pageSize}}, parallelism: {{parallelism}} }
        """);

    /// <summary>Answers the page asked for of the <paramref name="count"/> contacts changed after <c>since</c>, sorted by change time.</summary>
    public static Task AnswerAsync(HttpContext context, SeenRequest request, int count, int pageSize)
    {
        var since = request.Parameter("since");
        var page = int.Parse(request.Parameter("page") ?? "1", CultureInfo.InvariantCulture);
        var changed = Enumerable.Range(0, count).Where(i => string.IsNullOrEmpty(since) || string.CompareOrdinal(Changed(i), since) > 0);
        return FakeApi.Json(context, changed.Skip((page - 1) * pageSize).Take(pageSize).Select(i => new { id = Key(i), updated = Changed(i), n = i }));
    }
}
