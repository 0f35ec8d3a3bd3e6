using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Resync.Core.Errors;
using Resync.Core.Storage;

namespace Resync.Cli.Output;

/// <summary>The JSON form of a run summary (<c>--json</c>): the same facts as the console summary, in one document.</summary>
internal static class RunDocument
{
    /// <summary>
    /// The CLI's JSON: web casing, enums as names, and only the escapes JSON needs (a person reads it: <c>'</c>, <c>+</c>, <c>&lt;</c>
    /// stay as they are; nothing here is embedded in HTML).
    /// </summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The same on one line (a line a supervisor reads, an error on stderr).</summary>
    public static JsonSerializerOptions Compact { get; } = new(Options) { WriteIndented = false };

    public static JsonObject Build(RunView run, IReadOnlyList<ErrorGroupView> groups, IReadOnlyList<RecordView>? records = null, RunLineage? lineage = null)
    {
        var document = new JsonObject
        {
            ["runId"] = run.Id,
            ["link"] = run.LinkId,
            ["tenant"] = run.Tenant,
            ["kind"] = run.Kind.ToString(),
            ["status"] = run.Status.ToString(),
            ["trigger"] = run.Trigger,
            ["parentRunId"] = run.ParentRunId,
            ["rootRunId"] = run.RootRunId,
            ["carriesAllFailures"] = run.CarriesAllFailures,
            ["requestId"] = run.RequestId,
            ["linkVersion"] = run.LinkVersion,
            ["startedAt"] = run.StartedAt,
            ["endedAt"] = run.EndedAt,
            ["counts"] = new JsonObject
            {
                ["read"] = run.Counts.Read,
                ["succeeded"] = run.Counts.Succeeded,
                ["failed"] = run.Counts.Failed,
                ["ignored"] = run.Counts.Ignored,
                ["incomplete"] = run.Counts.Incomplete,
                ["warnings"] = run.Counts.Warnings,
                ["batchesTotal"] = run.Counts.BatchesTotal,
                ["batchesFailed"] = run.Counts.BatchesFailed,
            },
            ["systemError"] = Error(run.SystemError),
            ["batchErrors"] = new JsonArray([.. run.BatchErrors.Select(b => (JsonNode)new JsonObject
            {
                ["batch"] = b.BatchNumber,
                ["cursor"] = b.Cursor,
                ["error"] = Error(b.Error),
            })]),
            ["errorGroups"] = new JsonArray([.. groups.Select(g => (JsonNode)new JsonObject
            {
                ["type"] = g.Type.ToString(),
                ["code"] = g.Code,
                ["step"] = g.Step,
                ["fields"] = new JsonArray([.. g.Fields.Select(f => (JsonNode)JsonValue.Create(f))]),
                ["count"] = g.Count,
                ["sample"] = new JsonObject { ["message"] = g.SampleMessage, ["key"] = g.SampleKey },
                ["hint"] = g.Hint,
            })]),
        };
        if (lineage is not null)
        {
            document["children"] = new JsonArray([.. lineage.Children.Select(c => (JsonNode)new JsonObject
            {
                ["runId"] = c.Id,
                ["kind"] = c.Kind.ToString(),
                ["status"] = c.Status.ToString(),
                ["parentRunId"] = c.ParentRunId,
                ["failed"] = c.Counts.Failed,
            })]);
            document["history"] = new JsonArray([.. lineage.History.Select(e => (JsonNode)new JsonObject
            {
                ["at"] = e.At,
                ["kind"] = e.Kind,
                ["message"] = e.Message,
            })]);
        }
        if (records is not null)
            document["records"] = JsonSerializer.SerializeToNode(records.Select(r => new
            {
                batch = r.BatchNumber,
                position = r.Position,
                key = r.Key,
                outcome = r.Outcome.ToString(),
                error = r.Error,
                ignoredBy = r.IgnoredBy,
                ignoreReason = r.IgnoreReason,
                warnings = r.Warnings,
                before = r.BeforeJson is null ? null : JsonNode.Parse(r.BeforeJson),
                after = r.AfterJson is null ? null : JsonNode.Parse(r.AfterJson),
            }), Options);
        return document;
    }

    /// <summary>Stored JSON (a record's values) as a person reads it: one line, no escapes beyond what JSON needs.</summary>
    public static string Readable(string json) => JsonNode.Parse(json)?.ToJsonString(Compact) ?? "null";

    public static JsonNode? Error(ResyncError? error) => error is null ? null : JsonSerializer.SerializeToNode(error, Options);
}
