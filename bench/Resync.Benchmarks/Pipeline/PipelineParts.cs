using Resync.Connectors.Http;
using Resync.Core.Sdk;
using Resync.Core.Steps;

namespace Resync.Benchmarks.Pipeline;

/// <summary>The source and steps every pipeline benchmark uses, so that they all measure the same link.</summary>
internal static class PipelineParts
{
    /// <summary>The contacts API, page-numbered, with <paramref name="fetches"/> pages fetched at once.</summary>
    public static ISource Source(ContactsApi api, long records, int fetches) => HttpJsonSource.Create(new HttpSourceOptions
    {
        Url = $"{api.Url}/contacts?total={records}",
        Paging = new HttpPaging { Style = HttpPagingStyle.Page, PageParam = "page", SizeParam = "size", Concurrency = fetches },
    });

    /// <summary>Validate the email, convert the amount, truncate the name.</summary>
    public static IReadOnlyList<IStep> Steps() =>
    [
        new ValidateStep("validate email", "email", new ValidationRules { Required = true, Email = true }),
        new ConvertStep("convert amount", "amount", ConversionType.Number),
        new TruncateStep("truncate name", "name", 80),
    ];
}
