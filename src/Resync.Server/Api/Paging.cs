using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>Reads <c>offset</c> and <c>limit</c> query values, with a problem document for bad ones.</summary>
internal static class Paging
{
    public const int MaxLimit = 1000;

    public static ProblemHttpResult? Check(int? offset, int? limit, int defaultLimit, out int start, out int count)
    {
        start = offset ?? 0;
        count = limit ?? defaultLimit;
        if (start < 0)
            return Problems.BadRequest("invalid-paging", $"offset must be 0 or more, found {start}.");
        if (count is < 1 or > MaxLimit)
            return Problems.BadRequest("invalid-paging", $"limit must be between 1 and {MaxLimit}, found {count}.");
        return null;
    }
}
