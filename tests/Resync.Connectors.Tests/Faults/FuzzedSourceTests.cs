using System.Text;
using CsCheck;
using Microsoft.AspNetCore.Http;

namespace Resync.Connectors.Tests.Faults;

/// <summary>
/// Issue 17's scenario 18 for sources and steps: pages of JSON (over HTTP), JSON Lines and CSV, mutated from valid ones (tokens
/// inserted, bytes cut, lines doubled, the end truncated), run through real steps to a collecting target. Never a crash: the
/// run ends (bad items become record errors, a page that cannot be parsed a batch error) and every record read is accounted
/// for, each succeeded one in the target. (Push, composite and link bodies are fuzzed in the server's NoServerErrorsFuzzTests.)
/// CsCheck prints the seed of a failing case; set CsCheck_Seed to replay it.
/// </summary>
public sealed class FuzzedSourceTests
{
    private const int Cases = 40;

    private static readonly string[] Tokens =
    [
        "\\ud800", "\\u0000", "\"", "\\", "{", "}", "[", "]", ",", ":", "null", "true", "1e999", "-0", "123456789012345678901234567890", "\"id\"",
        "\"n\"", "\"when\"", "é", "😀", "\t", "\n", "\r\n", "\u2028", ";", "\"\"", "\"2026-13-45\"", "NaN", "\uFEFF", "\0",
    ];

    private static string ValidJsonLines(int count) =>
        string.Concat(Enumerable.Range(1, count).Select(i => $$"""{"id": "r{{i}}", "n": "{{i}}", "when": "2026-03-0{{i % 9 + 1}}", "note": "line {{i}}"}""" + "\n"));

    private static string ValidCsv(int count) =>
        "id,n,when,note\n" + string.Concat(Enumerable.Range(1, count).Select(i => $"r{i},{i},2026-03-0{i % 9 + 1},\"line, {i}\"\n"));

    private static string ValidJsonPage(int count) => "[" + string.Join(",", ValidJsonLines(count).Split('\n', StringSplitOptions.RemoveEmptyEntries)) + "]";

    /// <summary>A valid text with 1–6 random mutations.</summary>
    private static readonly Gen<(int Kind, int[] Mutations)> Mutated = Gen.Select(Gen.Int[0, 2], Gen.Int.Array[1, 6]);

    private static string Mutate(string valid, int[] mutations)
    {
        var text = new StringBuilder(valid);
        foreach (var mutation in mutations)
        {
            var random = new Random(mutation);
            var at = random.Next(text.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    text.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 1:
                    text.Remove(Math.Min(at, text.Length), Math.Min(random.Next(1, 40), text.Length - Math.Min(at, text.Length)));
                    break;
                case 2:
                    var line = text.ToString().Split('\n')[random.Next(text.ToString().Split('\n').Length)];
                    text.Insert(at, line + "\n");
                    break;
                default:
                    text.Length = Math.Min(text.Length, at);
                    break;
            }
        }
        return text.ToString();
    }

    private static IReadOnlyList<IStep> Steps() =>
        [new ConvertStep("n-number", "n", ConversionType.Integer), new ConvertStep("when-date", "when", ConversionType.Date), new TruncateStep("short-note", "note", 6), new DedupeStep("dedupe", null)];

    [Fact]
    public async Task MutatedSourcePages_ThroughRealSteps_NeverCrashTheRun_AndEveryRecordReadIsAccounted()
    {
        var page = "";
        await using var api = await FakeApi.StartAsync((context, seen) =>
            seen.Parameter("page") is null or "1" ? Plain(context, page) : FakeApi.Json(context, Array.Empty<object>()));
        using var folder = new TempDirectory();
        var kinds = new int[3];
        var wrote = 0;

        await Mutated.SampleAsync(async (kind, mutations) =>
        {
            kinds[kind]++;
            var path = Path.Combine(folder.Path, $"fuzzed-{Guid.NewGuid():N}");
            ISource source;
            switch (kind)
            {
                case 0:
                    page = Mutate(ValidJsonPage(5), mutations);
                    source = new HttpJsonSource(new HttpSourceOptions
                    {
                        Url = api.Url,
                        KeyField = "id",
                        Paging = new HttpPaging { Style = HttpPagingStyle.Page },
                        Call = new HttpCallSettings { RetryAttempts = 1, Timeout = TestCalls.Timeout },
                    });
                    break;
                case 1:
                    await WriteFileAsync(path, Mutate(ValidJsonLines(8), mutations));
                    source = new JsonLinesSource(path, "id");
                    break;
                default:
                    await WriteFileAsync(path, Mutate(ValidCsv(8), mutations));
                    source = new CsvSource(path, "id");
                    break;
            }
            await using var engine = await EngineRun.StartAsync();
            await using var target = new CollectingTarget();
            var link = new Link("fuzzed", source, Steps(), target, EngineRun.Settings(batchSize: 3));

            var result = await new RunEngine(engine.Store, engine.Clock).RunAsync(link, new RunRequest());

            result.Status.ShouldNotBe(RunStatus.Running);
            var counts = result.Counts;
            counts.IsBalanced.ShouldBeTrue($"read {counts.Read} = succeeded {counts.Succeeded} + failed {counts.Failed} + ignored {counts.Ignored} + incomplete {counts.Incomplete}");
            counts.Succeeded.ShouldBe(target.Written.Count, "every succeeded record is in the target, and only those");
            (await engine.Store.GetRunAsync(result.RunId, CancellationToken.None))!.Counts.ShouldBe(counts, "the stored counts are the run's");
            if (counts.Succeeded > 0)
                wrote++;
        }, iter: Cases, threads: 1, print: t => $"kind {t.Item1}, mutations [{string.Join(", ", t.Item2)}]");

        kinds.ShouldAllBe(n => n > 0, "every kind of source was fuzzed");
        wrote.ShouldBeGreaterThan(0, "no case ever wrote a record: the mutations do not leave the steps and the target any work");
    }

    /// <summary>
    /// A mutation can cut a surrogate pair in half; the default strict UTF-8 writer would throw on it, so the half is written
    /// as U+FFFD, as a text editor saving such a file would.
    /// </summary>
    private static Task WriteFileAsync(string path, string text) => File.WriteAllTextAsync(path, text, new UTF8Encoding(false));

    private static Task Plain(HttpContext context, string body)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body);
    }
}
