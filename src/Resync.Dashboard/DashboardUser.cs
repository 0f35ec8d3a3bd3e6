namespace Resync.Dashboard;

/// <summary>Who signed in: the API key's visible prefix and what it may see (every tenant, or one).</summary>
public sealed record DashboardUser(string KeyPrefix, bool IsOperator, string? Tenant)
{
    public string Describe => IsOperator ? "operator" : $"tenant {Tenant}";
}
