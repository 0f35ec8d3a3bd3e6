using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>
/// The <c>offset</c> and <c>limit</c> query values of every list route, bound as text (with <c>[AsParameters]</c>) so
/// that a value that is not a number answers the same problem as one out of range, naming the parameter.
/// </summary>
/// <param name="Offset">Where the page starts: 0 or more. The default is 0.</param>
/// <param name="Limit">How many items: 1 to <see cref="MaxLimit"/>. The default is the route's.</param>
internal sealed record Paging(string? Offset, string? Limit)
{
    public const int MaxLimit = 1000;

    /// <summary>The page asked for, or a 400 <c>invalid-paging</c> problem naming the parameter.</summary>
    public ProblemHttpResult? Check(int defaultLimit, out int start, out int count)
    {
        count = defaultLimit;
        if (Parse("offset", Offset, 0, int.MaxValue, 0, out start) is { } badOffset)
            return badOffset;
        return Parse("limit", Limit, 1, MaxLimit, defaultLimit, out count);
    }

    private static ProblemHttpResult? Parse(string name, string? text, int min, int max, int fallback, out int value)
    {
        value = fallback;
        if (text is null)
            return null;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            return Invalid(name, $"{name} must be a whole number between {min} and {max:N0}; found '{text}'.");
        if (number < min || number > max)
            return Invalid(name, $"{name} must be between {min} and {max:N0}; found {number}.");
        value = (int)number;
        return null;
    }

    private static ProblemHttpResult Invalid(string name, string detail) =>
        Problems.BadRequest("invalid-paging", detail, new Dictionary<string, object?> { ["parameter"] = name });
}
