namespace Resync.Core.Tests.Errors;

public sealed class SecretTextTests
{
    [Theory]
    [InlineData("Host=db;Username=u;Password=s3cret;Database=x", "Host=db;Username=u;Password=********;Database=x")]
    [InlineData("host=db;PWD=s3cret", "host=db;PWD=********")]
    [InlineData("Host=db; pwd = 's3c;ret' ;Database=x", "Host=db; pwd = ******** ;Database=x")]
    [InlineData("Host=db;Password=\"a\"\"b\";Database=x", "Host=db;Password=********;Database=x")]
    [InlineData("Host=db;PSW=s3cret", "Host=db;PSW=********")]
    [InlineData("Host=db;SSL Password=s3cret;Ssl_Password=s3cret;SslPassword=s3cret", "Host=db;SSL Password=********;Ssl_Password=********;SslPassword=********")]
    [InlineData("Data Source=x.db;Password=s3cret", "Data Source=x.db;Password=********")]
    [InlineData("GET http://svc:s3cret@api.example.com/items answered 500", "GET http://********@api.example.com/items answered 500")]
    [InlineData("https://tok3n@api.example.com/x?a=1", "https://********@api.example.com/x?a=1")]
    [InlineData("postgres://u:s3cret@db:5432/crm", "postgres://********@db:5432/crm")]
    public void Mask_HidesPasswordsAndUserinfo(string text, string masked) =>
        SecretText.Mask(text).ShouldBe(masked);

    [Theory]
    [InlineData("email is required")]
    [InlineData("contact a@example.com: x=1")]
    [InlineData("GET https://api.example.com/items?page=2 answered 404")]
    [InlineData("Host=db;Username=u;Database=x")]
    public void Mask_LeavesTextWithoutSecretsAlone(string text) =>
        SecretText.Mask(text).ShouldBe(text);

    [Fact]
    public void ToError_MasksTheMessageAndHint()
    {
        var error = new ErrorClassification(ErrorType.Connection, Durability.Ephemeral, "X", "http://u:s3cret@h/ failed", "Check Password=s3cret")
            .ToError(ErrorScope.System, DateTimeOffset.UnixEpoch);
        error.Message.ShouldNotContain("s3cret");
        error.Hint.ShouldNotBeNull().ShouldNotContain("s3cret");
    }
}
