namespace Resync.LinkFiles;

/// <summary>"Did you mean" for misspelt keys and names.</summary>
public static class Suggestions
{
    /// <summary>" — did you mean 'x'?" for the nearest allowed name, or "" when none is near.</summary>
    public static string DidYouMean(string found, IEnumerable<string> allowed)
    {
        var best = allowed
            .Select(candidate => (candidate, distance: Distance(found.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .Where(pair => pair.distance <= Math.Max(2, pair.candidate.Length / 3))
            .OrderBy(pair => pair.distance)
            .Select(pair => pair.candidate)
            .FirstOrDefault();
        return best is null ? "" : $" — did you mean '{best}'?";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
