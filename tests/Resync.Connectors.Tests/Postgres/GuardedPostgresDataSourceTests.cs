using System.Net;
using Npgsql;

namespace Resync.Connectors.Tests.Postgres;

public sealed class GuardedPostgresDataSourceTests(PostgresDatabaseFixture fixture) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task LoopbackAllowed_HostByName_ConnectsToTheCheckedAddressLiteral()
    {
        var byName = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Host = "localhost" }.ConnectionString;
        await using var source = new GuardedPostgresDataSource(byName, new OutboundNetworkPolicy { AllowLoopback = true });

        await using var connection = (NpgsqlConnection)await source.OpenConnectionAsync();

        // Npgsql was given the address the policy checked, not the name (which it would resolve again by itself).
        IPAddress.TryParse(connection.Host!.Trim('[', ']'), out var address).ShouldBeTrue(connection.Host);
        IPAddress.IsLoopback(address!).ShouldBeTrue();
        await using var command = new NpgsqlCommand("SELECT 41 + 1", connection);
        (await command.ExecuteScalarAsync()).ShouldBe(42);
    }

    [Fact]
    public async Task PublicOnly_HostByNameOrLiteral_IsRefusedBeforeAnyConnection_NamingHostAddressAndRule()
    {
        foreach (var host in new[] { "localhost", "127.0.0.1", "::ffff:127.0.0.1" })
        {
            var connectionString = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Host = host }.ConnectionString;
            await using var source = new GuardedPostgresDataSource(connectionString, OutboundNetworkPolicy.PublicOnly);

            var refused = await Should.ThrowAsync<OutboundAddressRefusedException>(async () => await source.OpenConnectionAsync());

            refused.Host.ShouldBe(host);
            refused.Message.ShouldContain("loopback");
            ErrorClassifier.Default.Classify(refused).Code.ShouldBe(ErrorCodes.AddressNotAllowed);
        }
    }

    [Fact]
    public async Task HostList_WithOneRefusedEntry_IsRefusedWhole()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Host = "93.184.216.34,192.0.2.1" }.ConnectionString;
        await using var source = new GuardedPostgresDataSource(connectionString, OutboundNetworkPolicy.PublicOnly);

        var refused = await Should.ThrowAsync<OutboundAddressRefusedException>(async () => await source.OpenConnectionAsync());

        refused.Message.ShouldContain("192.0.2.1 (documentation (RFC 5737))");
    }

    [Theory]
    [InlineData("/var/run/postgresql")]
    [InlineData("@abstract")]
    [InlineData("db,/tmp")]
    [InlineData("")]
    public void Hosts_UnixSocketOrNoHost_AreRefused(string host) =>
        Should.Throw<ArgumentException>(() => GuardedPostgresDataSource.Hosts(host, 5432));

    [Fact]
    public void Hosts_ListWithPortsAndIPv6_IsReadAsNpgsqlReadsIt() =>
        GuardedPostgresDataSource.Hosts("a, b:5433,[::1]:5434,::1", 5432).ShouldBe([("a", 5432), ("b", 5433), ("::1", 5434), ("::1", 5432)]);

    [Theory]
    [InlineData("Passfile=/etc/passwd")]
    [InlineData("SSL Certificate=/srv/resync/state.db")]
    [InlineData("SSL Key=/root/.ssh/id_rsa")]
    [InlineData("Root Certificate=/etc/shadow")]
    public void ConnectionString_WithAKeyThatReadsAServerFile_IsRefusedNamingTheKey(string fileKey)
    {
        var refused = Should.Throw<ArgumentException>(() => new GuardedPostgresDataSource($"Host=db.example.com;Username=u;Password=p;{fileKey}", OutboundNetworkPolicy.PublicOnly));

        refused.Message.ShouldContain($"'{fileKey.Split('=')[0]}' makes the server read one of its own files");
    }
}
