using System.Data.Common;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Resync.Core.Tests.Errors;

public sealed class ErrorClassifierTests
{
    private static readonly ErrorClassifier Classifier = ErrorClassifier.Default;

    // ---- HTTP status ----

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public void HttpStatus_CredentialsRefusedOrForbidden_IsInvalidAccessTokenDurable(int status) =>
        Classifier.ClassifyHttpStatus(status, "denied", null).ShouldBeClassifiedAs(ErrorType.InvalidAccessToken, Durability.Durable, $"HTTP_{status}");

    [Fact]
    public void HttpStatus_408RequestTimeout_IsConnectionEphemeral() =>
        Classifier.ClassifyHttpStatus(408, null, null).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, "HTTP_408");

    [Fact]
    public void HttpStatus_409Conflict_IsDuplicateDataDurable() =>
        Classifier.ClassifyHttpStatus(409, "exists", null).ShouldBeClassifiedAs(ErrorType.DuplicateData, Durability.Durable, "HTTP_409");

    [Fact]
    public void HttpStatus_429TooManyRequests_IsRateLimitEphemeralAndKeepsRetryAfter()
    {
        var classification = Classifier.ClassifyHttpStatus(429, "slow down", TimeSpan.FromSeconds(30));

        classification.ShouldBeClassifiedAs(ErrorType.RateLimit, Durability.Ephemeral, "HTTP_429");
        classification.RetryAfter.ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(413)]
    [InlineData(422)]
    public void HttpStatus_ContentRefused_IsDataDurable(int status) =>
        Classifier.ClassifyHttpStatus(status, "bad value", null).ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, $"HTTP_{status}");

    [Theory]
    [InlineData(404)]
    [InlineData(405)]
    [InlineData(410)]
    public void HttpStatus_UrlOrMethodNotServed_IsRuntimeDurable(int status) =>
        Classifier.ClassifyHttpStatus(status, null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, $"HTTP_{status}");

    [Fact]
    public void HttpStatus_500InternalServerError_IsRuntimeEphemeral() =>
        Classifier.ClassifyHttpStatus(500, "oops", null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, "HTTP_500");

    [Theory]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public void HttpStatus_GatewayOrUnavailable_IsConnectionEphemeral(int status) =>
        Classifier.ClassifyHttpStatus(status, null, null).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, $"HTTP_{status}");

    [Fact]
    public void HttpStatus_503WithRetryAfter_KeepsRetryAfter() =>
        Classifier.ClassifyHttpStatus(503, null, TimeSpan.FromMinutes(2)).RetryAfter.ShouldBe(TimeSpan.FromMinutes(2));

    [Theory]
    [InlineData(501)]
    [InlineData(505)]
    public void HttpStatus_Other5xx_IsRuntimeDurable(int status) =>
        Classifier.ClassifyHttpStatus(status, null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, $"HTTP_{status}");

    [Theory]
    [InlineData(402)]
    [InlineData(418)]
    [InlineData(451)]
    public void HttpStatus_Other4xx_IsRuntimeDurable(int status) =>
        Classifier.ClassifyHttpStatus(status, null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, $"HTTP_{status}");

    [Fact]
    public void HttpStatus_Message_SaysStatusAndDetail()
    {
        Classifier.ClassifyHttpStatus(422, "email is invalid", null).Message.ShouldBe("HTTP 422: email is invalid");
        Classifier.ClassifyHttpStatus(422, "  ", null).Message.ShouldBe("HTTP 422");
    }

    // ---- HttpRequestException ----

    [Fact]
    public void HttpRequestException_WithStatus_IsClassifiedByStatus() =>
        Classifier.Classify(new HttpRequestException("Service Unavailable", null, HttpStatusCode.ServiceUnavailable))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, "HTTP_503");

    [Fact]
    public void HttpRequestException_WithUnauthorizedStatus_IsInvalidAccessToken() =>
        Classifier.Classify(new HttpRequestException("Unauthorized", null, HttpStatusCode.Unauthorized))
            .ShouldBeClassifiedAs(ErrorType.InvalidAccessToken, Durability.Durable, "HTTP_401");

    [Fact]
    public void HttpRequestException_WithoutStatusOrSocketError_IsConnectionFailedEphemeral() =>
        Classifier.Classify(new HttpRequestException("An error occurred while sending the request."))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed);

    [Fact]
    public void HttpRequestException_WithInnerSocketConnectionRefused_IsConnectionRefused() =>
        Classifier.Classify(new HttpRequestException("Connection refused (localhost:1)", Socket(SocketError.ConnectionRefused)))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionRefused);

    [Fact]
    public void HttpRequestException_WithSocketErrorNestedDeeper_FindsIt() =>
        Classifier.Classify(new HttpRequestException("send failed", new IOException("read failed", Socket(SocketError.HostNotFound))))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.HostNotFound);

    // ---- sockets, timeouts, cancellation ----

    [Fact]
    public void Socket_ConnectionRefused_IsConnectionRefusedEphemeral() =>
        Classifier.Classify(Socket(SocketError.ConnectionRefused)).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionRefused);

    [Theory]
    [InlineData(SocketError.HostNotFound)]
    [InlineData(SocketError.TryAgain)]
    [InlineData(SocketError.NoData)]
    public void Socket_NameNotResolved_IsHostNotFoundEphemeral(SocketError error) =>
        Classifier.Classify(Socket(error)).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.HostNotFound);

    [Fact]
    public void Socket_TimedOut_IsTimeoutEphemeral() =>
        Classifier.Classify(Socket(SocketError.TimedOut)).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout);

    [Theory]
    [InlineData(SocketError.ConnectionReset)]
    [InlineData(SocketError.NetworkUnreachable)]
    public void Socket_OtherError_IsConnectionFailedEphemeral(SocketError error)
    {
        var classification = Classifier.Classify(Socket(error));

        classification.ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed);
        classification.Message.ShouldContain(error.ToString());
    }

    [Fact]
    public void TimeoutException_IsTimeoutEphemeral() =>
        Classifier.Classify(new TimeoutException("The operation has timed out."))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout);

    [Fact]
    public void TaskCanceledException_WithInnerTimeout_IsTimeoutEphemeral() =>
        Classifier.Classify(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout.", new TimeoutException("100 s")))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout);

    [Fact]
    public void OperationCanceledException_IsTimeoutEphemeral() =>
        Classifier.Classify(new OperationCanceledException())
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.Timeout);

    // ---- payloads and streams ----

    [Fact]
    public void JsonException_IsIncompleteDataEphemeral() =>
        Classifier.Classify(new JsonException("'<' is an invalid start of a value."))
            .ShouldBeClassifiedAs(ErrorType.IncompleteData, Durability.Ephemeral, ErrorCodes.InvalidJson);

    [Fact]
    public void IOException_IsConnectionFailedEphemeral() =>
        Classifier.Classify(new IOException("Unable to read data from the transport connection."))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed);

    [Fact]
    public void IOException_WithInnerSocketConnectionRefused_IsConnectionRefused() =>
        Classifier.Classify(new IOException("connect failed", Socket(SocketError.ConnectionRefused)))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionRefused);

    // ---- known and unknown exceptions ----

    [Fact]
    public void ResyncException_PassesItsClassificationThrough()
    {
        var known = new ErrorClassification(ErrorType.Inconsistency, Durability.Durable, "COMMIT_FAILED", "commit failed", "check the target");

        Classifier.Classify(new ResyncException(known)).ShouldBeSameAs(known);
    }

    [Fact]
    public void UnknownException_IsRuntimeDurableAndNamesTheException()
    {
        var classification = Classifier.Classify(new InvalidOperationException("boom"));

        classification.ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, ErrorCodes.Unexpected);
        classification.Message.ShouldBe("InvalidOperationException: boom");
    }

    [Fact]
    public void Provider_KnowsItsException_IsAskedFirst()
    {
        var classifier = ErrorClassifier.Default.With(new TeapotClassifier());

        classifier.Classify(new TeapotException()).ShouldBeClassifiedAs(ErrorType.RateLimit, Durability.Ephemeral, "TEAPOT");
        classifier.Classify(new TimeoutException()).Code.ShouldBe(ErrorCodes.Timeout);
    }

    // ---- PostgreSQL SQLSTATE ----

    [Fact]
    public void SqlState_23505UniqueViolation_IsDuplicateDataDurable() =>
        Classifier.ClassifySqlState("23505", "duplicate key", null, null).ShouldBeClassifiedAs(ErrorType.DuplicateData, Durability.Durable, "23505");

    [Theory]
    [InlineData("23502")] // not null
    [InlineData("22001")] // string too long
    [InlineData("23514")] // check
    [InlineData("23503")] // foreign key
    public void SqlState_ConstraintOrLength_IsDataDurable(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "refused", null, null).ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, sqlState);

    [Theory]
    [InlineData("3D000")] // no such database
    [InlineData("42P01")] // no such table
    [InlineData("42703")] // no such column
    [InlineData("42P10")] // no unique constraint matching the key (ON CONFLICT)
    public void SqlState_MisconfiguredLink_IsADurableErrorThatStopsTheRun(string sqlState)
    {
        var classification = Classifier.ClassifySqlState(sqlState, "refused", null, null);

        classification.ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, sqlState);
        classification.StopsTheRun.ShouldBeTrue("every batch would fail the same way");
        classification.Hint.ShouldNotBeNull().ShouldContain("link");
    }

    [Fact]
    public void SqlState_28P01BadPassword_IsInvalidAccessTokenDurable() =>
        Classifier.ClassifySqlState("28P01", "password authentication failed", null, null).ShouldBeClassifiedAs(ErrorType.InvalidAccessToken, Durability.Durable, "28P01");

    [Theory]
    [InlineData("40001")] // serialization failure
    [InlineData("40P01")] // deadlock
    [InlineData("55P03")] // lock not available
    public void SqlState_LockContention_IsRuntimeEphemeral(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "contention", null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, sqlState);

    [Fact]
    public void SqlState_57014StatementTimeout_IsConnectionEphemeral() =>
        Classifier.ClassifySqlState("57014", "canceling statement due to statement timeout", null, null)
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, "57014");

    [Theory]
    [InlineData("57P01")] // admin shutdown
    [InlineData("57P02")] // crash shutdown
    [InlineData("57P03")] // cannot connect now
    [InlineData("53300")] // too many connections
    public void SqlState_ServerRestartingOrFull_IsConnectionEphemeral(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "unavailable", null, null).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, sqlState);

    [Fact]
    public void SqlState_42501InsufficientPrivilege_IsInvalidAccessTokenDurable() =>
        Classifier.ClassifySqlState("42501", "permission denied", null, null).ShouldBeClassifiedAs(ErrorType.InvalidAccessToken, Durability.Durable, "42501");

    [Theory]
    [InlineData("42P01")] // undefined table
    [InlineData("42703")] // undefined column
    public void SqlState_UndefinedTableOrColumn_IsRuntimeDurable(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "does not exist", null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, sqlState);

    [Theory]
    [InlineData("08006")]
    [InlineData("08001")]
    public void SqlState_Class08ConnectionException_IsConnectionEphemeral(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "connection failure", null, null).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, sqlState);

    [Fact]
    public void DatabaseFailureWithoutSqlState_Transient_IsConnectionFailedEphemeral() =>
        Classifier.ClassifyDatabaseFailure(transient: true, "connection reset").ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, ErrorCodes.ConnectionFailed);

    [Fact]
    public void DatabaseFailureWithoutSqlState_NotTransient_IsDatabaseErrorDurable() =>
        Classifier.ClassifyDatabaseFailure(transient: false, "protocol error").ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, ErrorCodes.DatabaseError);

    [Theory]
    [InlineData("28P01")]
    [InlineData("28000")]
    public void SqlState_Class28InvalidAuthorization_IsInvalidAccessTokenDurable(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "password authentication failed", null, null)
            .ShouldBeClassifiedAs(ErrorType.InvalidAccessToken, Durability.Durable, sqlState);

    [Theory]
    [InlineData("22P02")] // invalid text representation (class 22)
    [InlineData("22003")] // numeric value out of range (class 22)
    [InlineData("23P01")] // exclusion violation (class 23)
    public void SqlState_OtherClass22Or23_IsDataDurable(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "bad value", null, null).ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, sqlState);

    [Theory]
    [InlineData("53200")] // out of memory
    [InlineData("53100")] // disk full
    public void SqlState_OtherClass53InsufficientResources_IsRuntimeEphemeral(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "out of resources", null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, sqlState);

    [Theory]
    [InlineData("42601")] // syntax error
    [InlineData("XX000")] // internal error
    public void SqlState_Other_IsRuntimeDurable(string sqlState) =>
        Classifier.ClassifySqlState(sqlState, "refused", null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, sqlState);

    [Fact]
    public void SqlState_WithColumnAndConstraint_NamesFieldAndConstraint()
    {
        var classification = Classifier.ClassifySqlState("23502", "null value in column \"email\"", "email", "contacts_email_nn");

        classification.Fields.ShouldBe(["email"]);
        classification.Message.ShouldBe("null value in column \"email\" (constraint contacts_email_nn)");
    }

    [Fact]
    public void SqlState_WithoutColumn_HasNoFields() =>
        Classifier.ClassifySqlState("23505", "duplicate key", null, null).Fields.ShouldBeNull();

    [Fact]
    public void DbException_WithSqlState_GoesThroughSqlStateTable() =>
        Classifier.Classify(new FakeDbException("23505", "duplicate key value violates unique constraint"))
            .ShouldBeClassifiedAs(ErrorType.DuplicateData, Durability.Durable, "23505");

    [Fact]
    public void DbException_WithSqlStateOfTransientClass_IsEphemeral() =>
        Classifier.Classify(new FakeDbException("40P01", "deadlock detected"))
            .ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, "40P01");

    [Theory]
    [InlineData(null)]
    [InlineData("123")]
    public void DbException_WithoutFiveCharacterSqlState_IsUnexpected(string? sqlState) =>
        Classifier.Classify(new FakeDbException(sqlState, "driver failure"))
            .ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, ErrorCodes.Unexpected);

    // ---- SQLite result codes ----

    [Theory]
    [InlineData(SqliteResultCodes.ConstraintUnique, "SQLITE_CONSTRAINT_UNIQUE")]
    [InlineData(SqliteResultCodes.ConstraintPrimaryKey, "SQLITE_CONSTRAINT_PRIMARYKEY")]
    public void Sqlite_UniqueOrPrimaryKey_IsDuplicateDataDurable(int extended, string code) =>
        Classifier.ClassifySqlite(SqliteResultCodes.Constraint, extended, "constraint failed").ShouldBeClassifiedAs(ErrorType.DuplicateData, Durability.Durable, code);

    [Theory]
    [InlineData(SqliteResultCodes.ConstraintNotNull, "SQLITE_CONSTRAINT_NOTNULL")]
    [InlineData(SqliteResultCodes.ConstraintCheck, "SQLITE_CONSTRAINT_CHECK")]
    [InlineData(SqliteResultCodes.ConstraintForeignKey, "SQLITE_CONSTRAINT_FOREIGNKEY")]
    public void Sqlite_NotNullCheckOrForeignKey_IsDataDurable(int extended, string code) =>
        Classifier.ClassifySqlite(SqliteResultCodes.Constraint, extended, "constraint failed").ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, code);

    [Theory]
    [InlineData(SqliteResultCodes.Constraint, "SQLITE_CONSTRAINT")]
    [InlineData(SqliteResultCodes.Mismatch, "SQLITE_MISMATCH")]
    [InlineData(SqliteResultCodes.TooBig, "SQLITE_TOOBIG")]
    public void Sqlite_ConstraintMismatchOrTooBig_IsDataDurable(int primary, string code) =>
        Classifier.ClassifySqlite(primary, 0, "refused").ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, code);

    [Theory]
    [InlineData(SqliteResultCodes.Busy, "SQLITE_BUSY")]
    [InlineData(SqliteResultCodes.Locked, "SQLITE_LOCKED")]
    public void Sqlite_BusyOrLocked_IsRuntimeEphemeral(int primary, string code) =>
        Classifier.ClassifySqlite(primary, 0, "database is locked").ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, code);

    [Fact]
    public void Sqlite_BusyWithExtendedCodeEqualToPrimary_IsRuntimeEphemeral() =>
        Classifier.ClassifySqlite(SqliteResultCodes.Busy, SqliteResultCodes.Busy, "database is locked")
            .ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, "SQLITE_BUSY");

    [Fact]
    public void Sqlite_NotADatabase_IsRuntimeDurable() =>
        Classifier.ClassifySqlite(SqliteResultCodes.NotADatabase, 0, "file is not a database").ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, "SQLITE_NOTADB");

    [Fact]
    public void Sqlite_CantOpen_IsConnectionDurable() =>
        Classifier.ClassifySqlite(SqliteResultCodes.CantOpen, 0, "unable to open database file").ShouldBeClassifiedAs(ErrorType.Connection, Durability.Durable, "SQLITE_CANTOPEN");

    [Theory]
    [InlineData(SqliteResultCodes.ReadOnly, "SQLITE_READONLY")]
    [InlineData(SqliteResultCodes.Auth, "SQLITE_AUTH")]
    public void Sqlite_ReadOnlyOrAuth_IsInvalidAccessTokenDurable(int primary, string code) =>
        Classifier.ClassifySqlite(primary, 0, "attempt to write a readonly database").ShouldBeClassifiedAs(ErrorType.InvalidAccessToken, Durability.Durable, code);

    [Fact]
    public void Sqlite_Full_IsRuntimeDurable() =>
        Classifier.ClassifySqlite(SqliteResultCodes.Full, 0, "database or disk is full").ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, "SQLITE_FULL");

    [Theory]
    [InlineData(SqliteResultCodes.Error, "SQLITE_ERROR")]
    [InlineData(SqliteResultCodes.IoError, "SQLITE_IOERR")]
    public void Sqlite_Other_IsRuntimeDurable(int primary, string code) =>
        Classifier.ClassifySqlite(primary, 0, "no such table: contacts").ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Durable, code);

    [Fact]
    public void Sqlite_UniqueMessage_NamesTheColumn()
    {
        var classification = Classifier.ClassifySqlite(19, 2067, "SQLite Error 19: 'UNIQUE constraint failed: contacts.email'.");

        classification.ShouldBeClassifiedAs(ErrorType.DuplicateData, Durability.Durable, "SQLITE_CONSTRAINT_UNIQUE");
        classification.Fields.ShouldBe(["email"]);
    }

    [Fact]
    public void Sqlite_CompositeUniqueMessage_NamesEveryColumn() =>
        Classifier.ClassifySqlite(19, 2067, "SQLite Error 19: 'UNIQUE constraint failed: contacts.tenant, contacts.email'.")
            .Fields.ShouldBe(["tenant", "email"]);

    [Fact]
    public void Sqlite_NotNullMessage_NamesTheColumn() =>
        Classifier.ClassifySqlite(19, 1299, "SQLite Error 19: 'NOT NULL constraint failed: contacts.name'.").Fields.ShouldBe(["name"]);

    [Fact]
    public void Sqlite_CheckMessage_NamesTheConstraint() =>
        Classifier.ClassifySqlite(19, 275, "SQLite Error 19: 'CHECK constraint failed: name_short'.").Fields.ShouldBe(["name_short"]);

    [Fact]
    public void Sqlite_MessageWithoutColumns_HasNoFields() =>
        Classifier.ClassifySqlite(19, 787, "SQLite Error 19: 'FOREIGN KEY constraint failed'.").Fields.ShouldBeNull();

    // ---- per-link overrides ----

    [Fact]
    public void Override_MapsHttpStatusCodeToAnotherType_AndDurabilityFollows()
    {
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["HTTP_500"] = ErrorType.Data });

        classifier.ClassifyHttpStatus(500, "validation failed", null).ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, "HTTP_500");
    }

    [Theory]
    [InlineData(ErrorType.Connection, Durability.Ephemeral)]
    [InlineData(ErrorType.RateLimit, Durability.Ephemeral)]
    [InlineData(ErrorType.IncompleteData, Durability.Ephemeral)]
    [InlineData(ErrorType.InvalidAccessToken, Durability.Durable)]
    [InlineData(ErrorType.DuplicateData, Durability.Durable)]
    [InlineData(ErrorType.Runtime, Durability.Durable)]
    [InlineData(ErrorType.Inconsistency, Durability.Durable)]
    public void Override_ToType_GivesThatTypesDurability(ErrorType type, Durability durability)
    {
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["23514"] = type });

        classifier.ClassifySqlState("23514", "check failed", null, null).ShouldBeClassifiedAs(type, durability, "23514");
    }

    [Fact]
    public void Override_AppliesToClassifiedExceptions()
    {
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["HTTP_404"] = ErrorType.Connection });

        classifier.Classify(new HttpRequestException("Not Found", null, HttpStatusCode.NotFound))
            .ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, "HTTP_404");
    }

    [Fact]
    public void Override_AppliesToSqliteCodes()
    {
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["SQLITE_CONSTRAINT_UNIQUE"] = ErrorType.Data });

        classifier.ClassifySqlite(19, 2067, "SQLite Error 19: 'UNIQUE constraint failed: contacts.email'.")
            .ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, "SQLITE_CONSTRAINT_UNIQUE");
    }

    [Fact]
    public void Override_ToTheSameType_KeepsTheClassificationAsIs()
    {
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["HTTP_500"] = ErrorType.Runtime });

        classifier.ClassifyHttpStatus(500, null, null).ShouldBeClassifiedAs(ErrorType.Runtime, Durability.Ephemeral, "HTTP_500");
    }

    [Fact]
    public void Override_LeavesOtherCodesAlone()
    {
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["HTTP_500"] = ErrorType.Data });

        classifier.ClassifyHttpStatus(503, null, null).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, "HTTP_503");
    }

    [Fact]
    public void Override_CodeWrittenInOtherCase_StillApplies()
    {
        // Link files are written by people: "http_500" and "40p01" name the same codes as "HTTP_500" and "40P01".
        var classifier = Classifier.WithOverrides(new Dictionary<string, ErrorType> { ["http_500"] = ErrorType.Data, ["40p01"] = ErrorType.Connection });

        classifier.ClassifyHttpStatus(500, null, null).ShouldBeClassifiedAs(ErrorType.Data, Durability.Durable, "HTTP_500");
        classifier.ClassifySqlState("40P01", "deadlock detected", null, null).ShouldBeClassifiedAs(ErrorType.Connection, Durability.Ephemeral, "40P01");
    }

    // ---- placing a classification in a run ----

    [Fact]
    public void ToError_CarriesEverythingAndAddsScopeStepTimeAndAttempt()
    {
        var at = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);
        var classification = Classifier.ClassifySqlite(19, 2067, "SQLite Error 19: 'UNIQUE constraint failed: contacts.email'.");

        var error = classification.ToError(ErrorScope.Record, at, "target", attempt: 2);

        error.ShouldBe(new ResyncError(ErrorScope.Record, ErrorType.DuplicateData, Durability.Durable, "SQLITE_CONSTRAINT_UNIQUE",
            classification.Message, "target", classification.Fields!, classification.Hint, at, 2));
    }

    [Fact]
    public void ToError_OfACallMadeSeveralTimes_CarriesItsRealAttemptCount()
    {
        // Regression: the error said "after 4 attempts" while its attempt was 1.
        var classification = Classifier.Classify(new TimeoutException()) with { Attempts = 4 };

        classification.ToError(ErrorScope.Batch, DateTimeOffset.UnixEpoch, "source").Attempt.ShouldBe(4);
        Classifier.Classify(new TimeoutException()).ToError(ErrorScope.Batch, DateTimeOffset.UnixEpoch).Attempt.ShouldBe(1);
    }

    [Fact]
    public void ToError_WithoutFields_HasEmptyFields() =>
        Classifier.Classify(new TimeoutException()).ToError(ErrorScope.Batch, DateTimeOffset.UnixEpoch).Fields.ShouldBeEmpty();

    private static SocketException Socket(SocketError error) => new((int)error);

    private sealed class FakeDbException(string? sqlState, string message) : DbException(message)
    {
        public override string? SqlState { get; } = sqlState;
    }

    private sealed class TeapotException : Exception;

    private sealed class TeapotClassifier : IExceptionClassifier
    {
        public ErrorClassification? TryClassify(Exception exception, ErrorClassifier classifier) => exception is TeapotException
            ? new ErrorClassification(ErrorType.RateLimit, Durability.Ephemeral, "TEAPOT", "The teapot is busy.", "Wait for the tea.")
            : null;
    }
}
