namespace Resync.Dashboard;

/// <summary>The dashboard's settings from the server: the origins whose pages may frame the embeddable view.</summary>
public sealed record DashboardOptions(IReadOnlyList<string> EmbedFrameAncestors);
