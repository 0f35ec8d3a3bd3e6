using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Resync.Server.Api;

/// <summary>
/// Checks that a request body is text every later step can read: valid UTF-8 (a decoder would otherwise turn bad bytes
/// into U+FFFD and store them), and, for JSON, no string escaping a lone surrogate (<c>"\ud800"</c>, which no string
/// can hold). A fault is a 400 problem naming where: the byte offset and line, and for JSON the path.
/// </summary>
internal static class BodyText
{
    public static ProblemHttpResult? Check(ReadOnlySpan<byte> body, bool json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            var offset = FirstInvalidByte(body);
            return Problems.BadRequest("invalid-utf8",
                $"The body is not valid UTF-8: byte 0x{body[offset]:X2} at offset {offset} (line {Line(body, offset)}) starts no valid sequence. Send the body encoded as UTF-8.",
                new Dictionary<string, object?> { ["offset"] = offset, ["line"] = Line(body, offset) });
        }
        return json ? LoneSurrogate(body) : null;
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (offset < body.Length)
        {
            if (Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != OperationStatus.Done)
                return offset;
            offset += consumed;
        }
        return body.Length - 1;
    }

    /// <summary>Walks the JSON tokens; stops quietly at malformed JSON, which the endpoint reports in its own shape.</summary>
    private static ProblemHttpResult? LoneSurrogate(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        var frames = new List<Frame>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        continue;
                    case JsonTokenType.PropertyName:
                        var name = Encoding.UTF8.GetString(reader.ValueSpan);
                        if (reader.ValueIsEscaped && Surrogate(reader.ValueSpan) is { } inName)
                            return Refused(body, reader.TokenStartIndex, Path(frames) + Member(name), inName, "property name");
                        frames[^1].Property = name;
                        continue;
                }
                if (frames.Count > 0 && frames[^1].IsArray)
                    frames[^1].Index++;
                if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped && Surrogate(reader.ValueSpan) is { } inValue)
                    return Refused(body, reader.TokenStartIndex, Path(frames), inValue, "string");
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    frames.Add(new Frame { IsArray = reader.TokenType == JsonTokenType.StartArray });
            }
        }
        catch (JsonException)
        {
            // Not JSON: the endpoint answers its malformed-JSON error.
        }
        return null;
    }

    /// <summary>The first <c>\uXXXX</c> escape in a raw JSON string that is a surrogate without its other half, or null.</summary>
    private static string? Surrogate(ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] != (byte)'\\')
                continue;
            if (raw[i + 1] != (byte)'u')
            {
                i++;
                continue;
            }
            var unit = Hex(raw.Slice(i + 2, 4));
            if (char.IsHighSurrogate((char)unit))
            {
                if (i + 11 < raw.Length && raw[i + 6] == (byte)'\\' && raw[i + 7] == (byte)'u' && char.IsLowSurrogate((char)Hex(raw.Slice(i + 8, 4))))
                {
                    i += 11;
                    continue;
                }
                return Encoding.ASCII.GetString(raw.Slice(i, 6));
            }
            if (char.IsLowSurrogate((char)unit))
                return Encoding.ASCII.GetString(raw.Slice(i, 6));
            i += 5;
        }
        return null;
    }

    private static int Hex(ReadOnlySpan<byte> digits) => int.Parse(Encoding.ASCII.GetString(digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static ProblemHttpResult Refused(ReadOnlySpan<byte> body, long offset, string path, string escape, string what) =>
        Problems.BadRequest("invalid-unicode",
            $"The {what} at {path} (offset {offset}, line {Line(body, (int)offset)}) escapes a lone surrogate '{escape}': a \\uD800–\\uDBFF escape must be followed by a \\uDC00–\\uDFFF one.",
            new Dictionary<string, object?> { ["path"] = path, ["offset"] = offset, ["line"] = Line(body, (int)offset) });

    private static int Line(ReadOnlySpan<byte> body, int offset) => body[..Math.Min(offset, body.Length)].Count((byte)'\n') + 1;

    private static string Path(List<Frame> frames)
    {
        var path = new StringBuilder("$");
        foreach (var frame in frames)
        {
            if (frame.IsArray)
                path.Append(CultureInfo.InvariantCulture, $"[{frame.Index}]");
            else if (frame.Property is not null)
                path.Append(Member(frame.Property));
        }
        return path.ToString();
    }

    private static string Member(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? "." + name : $"['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    private sealed class Frame
    {
        public bool IsArray { get; init; }

        public int Index { get; set; } = -1;

        public string? Property { get; set; }
    }
}
