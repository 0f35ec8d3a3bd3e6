namespace Resync.Server.Composite;

/// <summary>A subrequest URL once decoded, normalised and matched (see <see cref="SubrequestRoutes"/>).</summary>
/// <param name="Kind">What it does.</param>
/// <param name="Url">The canonical URL (every segment decoded once and escaped again): what a read calls.</param>
/// <param name="LinkId">For record operations, the link (decoded).</param>
/// <param name="Key">For a write by key, the key (decoded).</param>
/// <param name="Problem">For a refused URL, why, in words that name the fault.</param>
internal sealed record SubrequestMatch(SubrequestKind Kind, string Url, string? LinkId = null, string? Key = null, string? Problem = null)
{
    public bool IsRecordOperation => Kind is SubrequestKind.CreateRecord or SubrequestKind.WriteRecord;

    public static SubrequestMatch Refused(string problem) => new(SubrequestKind.Refused, "", Problem: problem);
}
