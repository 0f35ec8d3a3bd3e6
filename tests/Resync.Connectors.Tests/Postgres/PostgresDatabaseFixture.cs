using Resync.Testing.Postgres;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>One fresh database on the shared test cluster per test class.</summary>
public sealed class PostgresDatabaseFixture() : PostgresDatabaseLifetime("connectors"), IAsyncLifetime;
