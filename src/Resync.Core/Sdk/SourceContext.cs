namespace Resync.Core.Sdk;

/// <summary>What a source is told when asked for pages.</summary>
/// <param name="LinkId">The link being run.</param>
/// <param name="RunId">The run.</param>
/// <param name="Watermark">The link's last successful sync point: ask only for records changed since (null: everything).</param>
/// <param name="BatchSize">Records per page wanted.</param>
/// <param name="Clock">The time source.</param>
public sealed record SourceContext(string LinkId, long RunId, string? Watermark, int BatchSize, TimeProvider Clock);
