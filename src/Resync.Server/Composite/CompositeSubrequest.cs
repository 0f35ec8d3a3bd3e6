using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Resync.Core.Records;

namespace Resync.Server.Composite;

/// <summary>One subrequest of a batch or composite call, as sent (its references not yet resolved).</summary>
/// <param name="Index">Its position in the call (0-based).</param>
/// <param name="Method">GET, POST, PUT, PATCH or DELETE.</param>
/// <param name="Url">A record operation or another <c>/api/v1/…</c> URL.</param>
/// <param name="Body">Its body, if any.</param>
/// <param name="ReferenceId">Its referenceId (required in composite calls, optional in batches).</param>
internal sealed record CompositeSubrequest(int Index, string Method, string Url, JsonNode? Body, string? ReferenceId)
{
    /// <summary>The subrequest as a record of the call's run, keyed by its referenceId (in a batch without one, by its number).</summary>
    public Record ToRecord()
    {
        var fields = new JsonObject
        {
            ["referenceId"] = ReferenceId,
            ["method"] = Method,
            ["url"] = Url,
            ["body"] = Body?.DeepClone(),
        };
        using var document = JsonDocument.Parse(fields.ToJsonString());
        return new Record(ReferenceId ?? (Index + 1).ToString(CultureInfo.InvariantCulture), RecordJson.ToFields(document.RootElement));
    }
}
