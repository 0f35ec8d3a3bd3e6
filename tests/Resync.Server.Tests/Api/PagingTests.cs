using Resync.Server.Api;

namespace Resync.Server.Tests.Api;

public sealed class PagingTests
{
    [Theory]
    [InlineData(null, null, 0, 100)]
    [InlineData("20", "1000", 20, 1000)]
    [InlineData("0", "1", 0, 1)]
    public void Check_GoodValues_GiveThePage(string? offset, string? limit, int start, int count)
    {
        new Paging(offset, limit).Check(100, out var s, out var c).ShouldBeNull();
        (s, c).ShouldBe((start, count));
    }

    [Theory]
    [InlineData("-1", null, "offset")]
    [InlineData("abc", null, "offset")]
    [InlineData("99999999999", null, "offset")]
    [InlineData("", null, "offset")]
    [InlineData(null, "0", "limit")]
    [InlineData(null, "-5", "limit")]
    [InlineData(null, "1001", "limit")]
    [InlineData(null, "1.5", "limit")]
    [InlineData(null, "ten", "limit")]
    public void Check_BadValue_IsInvalidPaging_NamingTheParameter(string? offset, string? limit, string parameter)
    {
        var problem = new Paging(offset, limit).Check(100, out _, out _).ShouldNotBeNull();
        problem.StatusCode.ShouldBe(400);
        problem.ProblemDetails.Extensions["code"].ShouldBe("invalid-paging");
        problem.ProblemDetails.Extensions["parameter"].ShouldBe(parameter);
        problem.ProblemDetails.Detail.ShouldNotBeNull().ShouldStartWith(parameter);
    }
}
