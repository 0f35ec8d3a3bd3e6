namespace Resync.Core.Tests.Policies;

/// <summary>What the policies refuse (anything that would lose records), and that no policy keeps the built-in handling.</summary>
public sealed class ErrorPoliciesTests
{
    private static IReadOnlyList<ErrorPolicyProblem> Problems(ErrorType type, ErrorTypePolicy policy, LinkSettings? settings = null) =>
        ErrorPolicies.Validate((settings ?? new LinkSettings()) with { ErrorPolicies = new Dictionary<ErrorType, ErrorTypePolicy> { [type] = policy } });

    [Theory]
    [InlineData(ErrorType.Connection)]
    [InlineData(ErrorType.RateLimit)]
    [InlineData(ErrorType.IncompleteData)]
    [InlineData(ErrorType.InvalidAccessToken)]
    [InlineData(ErrorType.Inconsistency)]
    public void Ignore_OfAFailureOutsideTheData_IsRefused(ErrorType type)
    {
        var problem = Problems(type, new ErrorTypePolicy { Then = ErrorAction.Ignore, Reason = "why not" }).ShouldHaveSingleItem();

        (problem.Type, problem.Key).ShouldBe((type, "then"));
    }

    [Fact]
    public void Ignore_WithoutAReason_IsRefused() =>
        Problems(ErrorType.Data, new ErrorTypePolicy { Then = ErrorAction.Ignore }).ShouldHaveSingleItem().Key.ShouldBe("reason");

    [Fact]
    public void Park_WithoutStoringIncompleteRuns_IsRefused() =>
        Problems(ErrorType.Data, new ErrorTypePolicy { Then = ErrorAction.Park }, new LinkSettings { StoreIncompleteRuns = false })
            .ShouldHaveSingleItem().Message.ShouldContain("storeIncompleteRuns");

    [Fact]
    public void Park_WithoutSnapshots_IsRefused() =>
        Problems(ErrorType.Data, new ErrorTypePolicy { Then = ErrorAction.Park }, new LinkSettings { LoggingLevel = LoggingLevel.None })
            .ShouldHaveSingleItem().Message.ShouldContain("loggingLevel");

    [Theory]
    [InlineData(ErrorAction.Park)]
    [InlineData(ErrorAction.Ignore)]
    public void ParkOrIgnore_UnderSequentialProcessing_IsRefused(ErrorAction action) =>
        Problems(ErrorType.Data, new ErrorTypePolicy { Then = action, Reason = action == ErrorAction.Ignore ? "r" : null }, new LinkSettings { SequentialProcessing = true })
            .ShouldHaveSingleItem().Message.ShouldContain("sequentialProcessing");

    [Fact]
    public void Inconsistency_RetriedOrCarriedOn_IsRefused()
    {
        var problems = Problems(ErrorType.Inconsistency, new ErrorTypePolicy { Attempts = 2, Then = ErrorAction.Fail });

        problems.Select(problem => problem.Key).ShouldBe(["attempts", "then"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(21)]
    public void Attempts_OutOfRange_AreRefused(int attempts) =>
        Problems(ErrorType.Data, new ErrorTypePolicy { Attempts = attempts }).ShouldHaveSingleItem().Key.ShouldBe("attempts");

    [Fact]
    public void LinkSettings_Validate_ReportsPolicyProblemsWithTheirPath() =>
        (new LinkSettings { ErrorPolicies = new Dictionary<ErrorType, ErrorTypePolicy> { [ErrorType.Data] = new() { Then = ErrorAction.Ignore } } })
            .Validate().ShouldHaveSingleItem().ShouldStartWith("errorPolicies.Data.reason:");

    [Theory]
    [InlineData(ErrorType.Connection, true, ErrorAction.Stop)]
    [InlineData(ErrorType.Connection, false, ErrorAction.Fail)]
    [InlineData(ErrorType.InvalidAccessToken, false, ErrorAction.Stop)]
    [InlineData(ErrorType.Data, true, ErrorAction.Fail)]
    public void NoPolicy_SourcePage_KeepsTheBuiltInHandling(ErrorType type, bool firstFetch, ErrorAction expected) =>
        ErrorPolicies.Default.ForSourcePage(new ErrorClassification(type, Durability.Durable, "X", "x"), firstFetch).ShouldBe(expected);

    [Theory]
    [InlineData(ErrorType.Connection, ErrorAction.Stop)]
    [InlineData(ErrorType.RateLimit, ErrorAction.Stop)]
    [InlineData(ErrorType.InvalidAccessToken, ErrorAction.Stop)]
    [InlineData(ErrorType.Inconsistency, ErrorAction.Stop)]
    [InlineData(ErrorType.Data, ErrorAction.Fail)]
    [InlineData(ErrorType.Runtime, ErrorAction.Fail)]
    public void NoPolicy_WholeBatchWrite_KeepsTheBuiltInHandling(ErrorType type, ErrorAction expected) =>
        ErrorPolicies.Default.ForTargetBatch(new ErrorClassification(type, Durability.Durable, "X", "x")).ShouldBe(expected);

    [Fact]
    public void MisconfiguredLink_StopsTheRun_WhateverThePolicy()
    {
        var policies = ErrorPolicies.Compile(new LinkSettings { ErrorPolicies = new Dictionary<ErrorType, ErrorTypePolicy> { [ErrorType.Data] = new() { Then = ErrorAction.Fail } } });

        policies.ForTargetRecord(new ErrorClassification(ErrorType.Data, Durability.Durable, "42P01", "no such table") { StopsTheRun = true }).ShouldBe(ErrorAction.Stop);
    }
}
