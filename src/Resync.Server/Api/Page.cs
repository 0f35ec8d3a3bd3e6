namespace Resync.Server.Api;

/// <summary>One page of a list: the items, where it starts, and the offset of the next page (null on the last).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Offset, int Limit, int? NextOffset)
{
    public static Page<T> Of(IReadOnlyList<T> items, int offset, int limit) => new(items, offset, limit, items.Count == limit ? offset + limit : null);
}
