using Resync.Server.Composite;

namespace Resync.Server.Tests.Composite;

public sealed class SubrequestClientTests
{
    private static readonly Uri Server = new("http://127.0.0.1:5080");

    [Theory]
    [InlineData("/api/v1/links", true)]
    [InlineData("api/v1/runs/1", true)]
    [InlineData("http://127.0.0.1:5080/api/v1/links", true)]
    [InlineData("http://127.0.0.1:5432/", false)]
    [InlineData("http://169.254.169.254/latest/meta-data", false)]
    [InlineData("//example.com/api/v1/links", false)]
    [InlineData("https://127.0.0.1:5080/api/v1/links", false)]
    public void IsOnLoopback_OnlyThisServersOwnAddress_IsCalled(string url, bool allowed) =>
        SubrequestClient.IsOnLoopback(new Uri(Server, url), Server).ShouldBe(allowed);
}
