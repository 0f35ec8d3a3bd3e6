using Resync.Core.Recovery;

namespace Resync.Server.Recovery;

/// <summary>What a Retry run carries: failed batches fetched again, failed records from snapshots, and what cannot be retried (why).</summary>
public sealed record RetryPlanDocument(int FailedBatches, long Records, long NotRetriable, string? Limitation, bool CarriesAllFailures)
{
    public static RetryPlanDocument From(RecoveryPlan plan) =>
        new(plan.FailedBatches.Count, plan.Records, plan.NotRetriable, plan.Limitation, plan.CarriesAllFailures);
}
