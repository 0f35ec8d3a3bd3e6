using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Resync.Server.Composite;

/// <summary>
/// Decides what a composite subrequest may do. Its URL is decoded once and normalised the way a server would see it,
/// then matched segment by segment against the route table: only record operations on a link and reads (<c>GET</c> of
/// a read route) pass. Every other spelling — percent-encoded or double-encoded names, dot segments, backslashes,
/// doubled slashes, characters that normalise to <c>/</c> or <c>.</c>, fragments, absolute URLs — is refused with a
/// reason, so no composite call can run another composite call or a write it was not meant to. Pure: no I/O.
/// </summary>
internal sealed partial class SubrequestRoutes
{
    private const string Prefix = "/api/v1/";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly List<string[]> _reads;

    /// <param name="readTemplates">The read routes, as <c>/api/v1/runs/{runId}</c> (a segment in braces is a parameter).</param>
    public SubrequestRoutes(IEnumerable<string> readTemplates)
    {
        _reads = [.. readTemplates.Select(template => template.Trim('/').Split('/'))
            .Where(segments => segments.Length >= 2 && segments[0] == "api" && segments[1] == "v1" && !IsComposite(segments))];
    }

    /// <summary>The read routes of an application: its <c>GET</c> routes under <c>/api/v1</c>, except the composite API and event streams.</summary>
    public static SubrequestRoutes FromEndpoints(EndpointDataSource endpoints) =>
        new(endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("GET") == true
                && !endpoint.Metadata.OfType<IProducesResponseTypeMetadata>().Any(produces => produces.ContentTypes.Contains("text/event-stream")))
            .Select(endpoint => Template(endpoint.RoutePattern))
            .OfType<string>());

    /// <summary>The record operation (create, or write by key) <paramref name="method"/> <paramref name="url"/> is, or null.</summary>
    public SubrequestMatch? RecordOperation(string method, string url) => Match(method, url) is { IsRecordOperation: true } match ? match : null;

    /// <summary>What <paramref name="method"/> <paramref name="url"/> does, or why it is refused.</summary>
    public SubrequestMatch Match(string method, string url)
    {
        if (url.Any(char.IsControl))
            return SubrequestMatch.Refused($"'{Shown(url)}' holds a control character.");
        if (url.Contains('#', StringComparison.Ordinal))
            return SubrequestMatch.Refused($"'{url}' has a fragment (#…), which is never sent to a server: leave it out.");
        if (!url.StartsWith(Prefix, StringComparison.Ordinal))
            return SubrequestMatch.Refused($"'{url}' is not a path of this API: a subrequest URL starts with {Prefix} (no scheme, host or '//').");
        var queryAt = url.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? url : url[..queryAt];
        var query = queryAt < 0 ? null : url[(queryAt + 1)..];
        if (path.Contains('\\', StringComparison.Ordinal))
            return SubrequestMatch.Refused($"'{url}' holds a backslash: separate segments with '/'.");
        var raw = path[1..].Split('/');
        if (raw.Length > 1 && raw[^1].Length == 0)
            raw = raw[..^1]; // one trailing slash is the same resource
        var segments = new string[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i].Length == 0)
                return SubrequestMatch.Refused($"'{url}' has an empty segment ('//').");
            if (Decode(raw[i], plusIsSpace: false, out var problem) is not { } decoded)
                return SubrequestMatch.Refused($"'{url}': {problem}");
            if (SegmentFault(decoded) is { } fault)
                return SubrequestMatch.Refused($"'{url}': segment '{raw[i]}' {fault}.");
            segments[i] = decoded;
        }
        if (IsComposite(segments))
            return SubrequestMatch.Refused($"'{url}' is the composite API: a composite call cannot contain another.");

        if (segments.Length is 5 or 6 && Same(segments[2], "links") && Same(segments[4], "records"))
        {
            var key = segments.Length == 6 ? segments[5] : null;
            var canonical = $"{Prefix}links/{Uri.EscapeDataString(segments[3])}/records" + (key is null ? "" : "/" + Uri.EscapeDataString(key));
            if (query is not null)
                return SubrequestMatch.Refused($"'{url}': a record operation takes no query ('?…').");
            return (method, key) switch
            {
                ("POST", null) => new SubrequestMatch(SubrequestKind.CreateRecord, canonical, segments[3]),
                ("PATCH" or "PUT", not null) => new SubrequestMatch(SubrequestKind.WriteRecord, canonical, segments[3], key),
                _ => new SubrequestMatch(SubrequestKind.RecordsMethodNotAllowed, canonical, segments[3], key),
            };
        }
        if (method == "GET" && _reads.FirstOrDefault(template => Matches(template, segments)) is { } read)
        {
            if (CanonicalQuery(query, out var problem) is not { } canonicalQuery)
                return SubrequestMatch.Refused($"'{url}': {problem}");
            var canonical = "/" + string.Join('/', read.Select((part, i) => IsParameter(part) ? Uri.EscapeDataString(segments[i]) : part)) + canonicalQuery;
            return new SubrequestMatch(SubrequestKind.Read, canonical);
        }
        return SubrequestMatch.Refused($"'{method} {url}' is not something a composite call carries out: subrequests are record operations "
            + "(POST /api/v1/links/{linkId}/records, PATCH or PUT /api/v1/links/{linkId}/records/{key}) and reads (GET of an API route).");
    }

    /// <summary>Why a decoded segment may not be one, or null: what a server or a URL parser would turn into structure.</summary>
    private static string? SegmentFault(string segment)
    {
        if (StructuralFault(segment) is { } fault)
            return fault;
        // Lookalikes: a character that reads as '/', '.', '%' or '\' (fullwidth solidus, two-dot leader…) is refused too.
        var folded = Fold(segment);
        return folded != segment && StructuralFault(folded) is not null
            ? $"holds characters that read as '{folded}' (Unicode lookalikes)"
            : null;
    }

    /// <summary>
    /// Folds the lookalikes of ASCII that NFKC maps to it (fullwidth forms, dot leaders, small forms) and a few that only
    /// look like '/' or '\' (division and fraction slashes, set minus). Written out rather than <c>Normalize</c>, which
    /// does nothing under invariant globalization (how the server runs).
    /// </summary>
    private static string Fold(string text)
    {
        var folded = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            _ = c switch
            {
                >= '\uFF01' and <= '\uFF5E' => folded.Append((char)(c - 0xFEE0)),
                '\u2024' or '\uFE52' or '\u3002' or '\uFF61' => folded.Append('.'),
                '\u2025' => folded.Append(".."),
                '\u2026' => folded.Append("..."),
                '\u2044' or '\u2215' or '\u29F8' => folded.Append('/'),
                '\u2216' or '\u29F9' or '\uFE68' => folded.Append('\\'),
                '\uFE6A' or '\u066A' => folded.Append('%'),
                _ => folded.Append(c),
            };
        }
        return folded.ToString();
    }

    private static string? StructuralFault(string segment)
    {
        if (segment is "." or "..")
            return "is a dot segment ('.' or '..', also percent-encoded): name the resource itself";
        if (segment.Contains('/', StringComparison.Ordinal) || segment.Contains('\\', StringComparison.Ordinal))
            return "holds an encoded '/' or '\\'";
        if (Encoded().IsMatch(segment))
            return "is percent-encoded twice";
        if (segment.Any(char.IsControl))
            return "holds a control character";
        return null;
    }

    /// <summary>Percent-decodes once, strictly: every '%' starts two hex digits and the bytes are UTF-8.</summary>
    private static string? Decode(string text, bool plusIsSpace, out string? problem)
    {
        problem = null;
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException)
        {
            problem = "it holds a lone surrogate.";
            return null;
        }
        var decoded = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'%')
            {
                if (i + 2 >= bytes.Length || !Uri.IsHexDigit((char)bytes[i + 1]) || !Uri.IsHexDigit((char)bytes[i + 2]))
                {
                    problem = $"'%' at position {i + 1} of '{text}' does not start a percent-encoded byte (%XX).";
                    return null;
                }
                decoded.Add((byte)Convert.ToInt32(Encoding.ASCII.GetString(bytes, i + 1, 2), 16));
                i += 2;
            }
            else
                decoded.Add(plusIsSpace && bytes[i] == (byte)'+' ? (byte)' ' : bytes[i]);
        }
        try
        {
            return StrictUtf8.GetString([.. decoded]);
        }
        catch (DecoderFallbackException)
        {
            problem = $"'{text}' is not UTF-8 once percent-decoded.";
            return null;
        }
    }

    /// <summary>The query decoded and escaped again, name by name ("" when there is none), or null with the problem.</summary>
    private static string? CanonicalQuery(string? query, out string? problem)
    {
        problem = null;
        if (string.IsNullOrEmpty(query))
            return "";
        var pairs = new List<string>();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(equals < 0 ? pair : pair[..equals], plusIsSpace: true, out problem);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..], plusIsSpace: true, out problem);
            if (name is null || value is null)
                return null;
            pairs.Add(Uri.EscapeDataString(name) + (equals < 0 ? "" : "=" + Uri.EscapeDataString(value)));
        }
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }

    private static bool Matches(string[] template, string[] segments) =>
        template.Length == segments.Length && template.Select((part, i) => IsParameter(part) || Same(segments[i], part)).All(match => match);

    private static bool IsComposite(string[] segments) =>
        segments.Length >= 3 && Same(segments[0], "api") && Same(segments[1], "v1") && Same(Fold(segments[2]), "composite");

    /// <summary>A literal as routing compares it: ASCII case-insensitively; anything else must be exact.</summary>
    private static bool Same(string segment, string literal) =>
        System.Text.Ascii.IsValid(segment) ? segment.Equals(literal, StringComparison.OrdinalIgnoreCase) : segment == literal;

    private static bool IsParameter(string part) => part.StartsWith('{');

    private static string Shown(string url) => new([.. url.Select(c => char.IsControl(c) ? '?' : c)]);

    private static string? Template(RoutePattern pattern)
    {
        var parts = new List<string>();
        foreach (var segment in pattern.PathSegments)
        {
            if (segment.Parts is [RoutePatternLiteralPart literal])
                parts.Add(literal.Content);
            else if (segment.Parts is [RoutePatternParameterPart { IsCatchAll: false } parameter])
                parts.Add("{" + parameter.Name + "}");
            else
                return null; // complex or catch-all segments: not a read a subrequest can name
        }
        return "/" + string.Join('/', parts);
    }

    [GeneratedRegex("%[0-9A-Fa-f]{2}", RegexOptions.CultureInvariant)]
    private static partial Regex Encoded();
}
