namespace Resync.Server.Runs;

/// <summary>Where to find more about a run.</summary>
public sealed record RunLinks(string Self, string Batches, string Records, string ErrorGroups, string Events)
{
    public static RunLinks For(long runId)
    {
        var self = $"/api/v1/runs/{runId}";
        return new RunLinks(self, $"{self}/batches", $"{self}/records", $"{self}/error-groups", $"{self}/events");
    }
}
