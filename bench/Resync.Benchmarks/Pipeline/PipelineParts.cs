using Npgsql;
using Resync.Connectors.Http;
using Resync.Connectors.Postgres;
using Resync.Connectors.Sql;
using Resync.Core.Errors;
using Resync.Core.Links;
using Resync.Core.Sdk;
using Resync.Core.Steps;
using Resync.Testing.Postgres;

namespace Resync.Benchmarks.Pipeline;

/// <summary>The source, steps and target every pipeline benchmark uses, so that they all measure the same link.</summary>
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

    /// <summary>
    /// The benchmarks' data source on <paramref name="server"/>, made as the product makes a PostgreSQL target's: sessions kept as
    /// they are when a connection returns to the pool (<see cref="PostgresTableTarget.KeepingSessions"/>).
    /// </summary>
    public static NpgsqlDataSource DataSource(PostgresServer server) => NpgsqlDataSource.Create(PostgresTableTarget.KeepingSessions(server.ConnectionString()));

    /// <summary>The PostgreSQL target: an upsert by id into <paramref name="table"/>.</summary>
    public static PostgresTableTarget Target(NpgsqlDataSource dataSource, string table) => new(dataSource, table, SqlWriteMode.Upsert, "id");

    /// <summary>The link: <paramref name="source"/>, the <see cref="Steps"/>, and <paramref name="target"/>, whose PostgreSQL failures are classified as a link file's are.</summary>
    public static Link Link(string name, ISource source, ITarget target, LinkSettings settings) => new(name, source, Steps(), target, settings)
    {
        Classifier = ErrorClassifier.Default.With(PostgresExceptionClassifier.Instance),
    };
}
