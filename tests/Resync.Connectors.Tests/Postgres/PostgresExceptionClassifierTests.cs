using System.Net.Sockets;
using Npgsql;

namespace Resync.Connectors.Tests.Postgres;

/// <summary>Npgsql's failures without a SQLSTATE get our own codes, never an invented SQLSTATE.</summary>
public sealed class PostgresExceptionClassifierTests
{
    private static ErrorClassification Classify(Exception exception) =>
        PostgresExceptionClassifier.Instance.TryClassify(exception, ErrorClassifier.Default).ShouldNotBeNull();

    [Fact]
    public void BrokenConnection_WithAnUnknownCause_IsConnectionFailed() =>
        Classify(new NpgsqlException("Exception while reading from stream", new InvalidOperationException("cut")))
            .ShouldSatisfyAllConditions(c => c.Code.ShouldBe(ErrorCodes.ConnectionFailed), c => c.Durability.ShouldBe(Durability.Ephemeral));

    [Fact]
    public void RefusedConnection_KeepsTheSocketsCode() =>
        Classify(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))).Code.ShouldBe(ErrorCodes.ConnectionRefused);

    [Fact]
    public void ClientFailure_NotTransient_IsDatabaseErrorDurable() =>
        Classify(new NpgsqlException("protocol violation"))
            .ShouldSatisfyAllConditions(c => c.Code.ShouldBe(ErrorCodes.DatabaseError), c => c.Type.ShouldBe(ErrorType.Runtime), c => c.Durability.ShouldBe(Durability.Durable));
}
