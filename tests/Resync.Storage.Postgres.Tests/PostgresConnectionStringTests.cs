namespace Resync.Storage.Postgres.Tests;

public sealed class PostgresConnectionStringTests
{
    [Theory]
    [InlineData("postgres://resync:pw@db.internal:5433/state", true)]
    [InlineData("postgresql://db.internal/state", true)]
    [InlineData("Host=db.internal;Database=state;Username=resync", true)]
    [InlineData("server = db.internal; database = state", true)]
    [InlineData(".resync/state.db", false)]
    [InlineData("/var/lib/resync/host=a/state.db", false)]
    [InlineData("C:\\state;Host.db", false)]
    public void IsPostgres_TellsConnectionStringsFromFilePaths(string state, bool expected) =>
        PostgresConnectionString.IsPostgres(state).ShouldBe(expected);

    [Fact]
    public void Normalize_Uri_BecomesNpgsqlForm_WithEscapesAndOptions()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(
            PostgresConnectionString.Normalize("postgres://re%40sync:p%3Aw@db.internal:5433/state?search_path=tenant_a&sslmode=disable"));

        (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database, builder.SearchPath, builder.SslMode)
            .ShouldBe(("db.internal", 5433, "re@sync", "p:w", "state", "tenant_a", Npgsql.SslMode.Disable));
    }

    [Fact]
    public void Describe_NeverShowsThePassword()
    {
        PostgresConnectionString.Describe("postgres://resync:hunter2@db.internal:5433/state").ShouldBe("postgres://resync@db.internal:5433/state");
        PostgresConnectionString.Describe("Host=db.internal;Database=state;Username=resync;Password=hunter2").ShouldNotContain("hunter2");
    }

    [Theory]
    [InlineData("postgres://db.internal/state?frobnicate=1", "frobnicate")]
    [InlineData("Host=db.internal;Frobnicate=1", "frobnicate")]
    public void Normalize_UnknownOption_SaysWhichOne(string state, string option) =>
        Should.Throw<ArgumentException>(() => PostgresConnectionString.Normalize(state)).Message.ShouldContain(option, Case.Insensitive);
}
