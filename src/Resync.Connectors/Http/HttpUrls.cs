using System.Text;
using System.Text.RegularExpressions;

namespace Resync.Connectors.Http;

/// <summary>URL helpers of the HTTP connectors: query parameters, <c>{field}</c> templates, <c>Link</c> headers.</summary>
internal static partial class HttpUrls
{
    public static void RequireAbsolute(string url, string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(url, key);
        // Placeholders are not valid URL characters: check the template with them blanked out.
        var probe = Placeholder().Replace(url, "x");
        if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"{key} must be an absolute http or https URL, found '{url}'");
    }

    public static bool HasPlaceholder(string template) => Placeholder().IsMatch(template);

    /// <summary>The URL with one query parameter added (name and value escaped); a null value adds nothing.</summary>
    public static string WithQuery(string url, string name, string? value)
    {
        if (value is null)
            return url;
        var builder = new StringBuilder(url.Length + name.Length + value.Length + 2).Append(url);
        builder.Append(url.Contains('?', StringComparison.Ordinal) ? (url.EndsWith('?') || url.EndsWith('&') ? "" : "&") : "?");
        return builder.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value)).ToString();
    }

    /// <summary>The (unescaped) value of a URL's first query parameter named <paramref name="name"/>, or null.</summary>
    public static string? QueryValue(string url, string name)
    {
        foreach (var (key, value) in QueryParts(url))
        {
            if (key == name)
                return value;
        }
        return null;
    }

    /// <summary>The URL without any query parameter named <paramref name="name"/> (the others kept as they were, in order).</summary>
    public static string WithoutQuery(string url, string name)
    {
        var question = url.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
            return url;
        var kept = url[(question + 1)..].Split('&').Where(part => part.Length > 0 && Uri.UnescapeDataString(part.Split('=')[0]) != name);
        var query = string.Join('&', kept);
        return query.Length == 0 ? url[..question] : $"{url[..question]}?{query}";
    }

    private static IEnumerable<(string Key, string Value)> QueryParts(string url)
    {
        var question = url.IndexOf('?', StringComparison.Ordinal);
        if (question < 0)
            yield break;
        foreach (var part in url[(question + 1)..].Split('&'))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? part : part[..equals];
            yield return (Uri.UnescapeDataString(key), equals < 0 ? "" : Uri.UnescapeDataString(part[(equals + 1)..]));
        }
    }

    /// <summary>Fills <c>{name}</c> placeholders with escaped values; returns null and the first missing name when one has no value.</summary>
    public static string? Fill(string template, Func<string, string?> value, out string? missing)
    {
        string? firstMissing = null;
        var filled = Placeholder().Replace(template, match =>
        {
            var text = value(match.Groups[1].Value);
            if (string.IsNullOrEmpty(text))
            {
                firstMissing ??= match.Groups[1].Value;
                return "";
            }
            return Uri.EscapeDataString(text);
        });
        missing = firstMissing;
        return firstMissing is null ? filled : null;
    }

    /// <summary>The <c>rel="next"</c> URL of an RFC 8288 <c>Link</c> header, or null.</summary>
    public static string? NextFromLinkHeader(string? header)
    {
        if (string.IsNullOrEmpty(header))
            return null;
        foreach (Match link in LinkEntry().Matches(header))
        {
            var rel = LinkRel().Match(link.Groups["params"].Value);
            if (rel.Success && rel.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("next", StringComparer.OrdinalIgnoreCase))
                return link.Groups["url"].Value.Trim();
        }
        return null;
    }

    /// <summary>A next-page URL made absolute against the page that named it.</summary>
    public static string Resolve(string current, string next) => new Uri(new Uri(current), next).AbsoluteUri;

    /// <summary>The URL without its userinfo (<c>user:secret@</c>): page URLs become cursors, stored and shown, which must not carry credentials.</summary>
    public static string WithoutUserinfo(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.AbsoluteUri : url;

    /// <summary>A cursor with the userinfo of the configured URL put back (the caller checked they have the same origin).</summary>
    public static string WithUserinfoOf(string url, string configured) =>
        Uri.TryCreate(configured, UriKind.Absolute, out var origin) && origin.UserInfo.Length > 0 && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length == 0
            ? new UriBuilder(uri) { UserName = origin.UserInfo.Split(':')[0], Password = origin.UserInfo.Contains(':') ? origin.UserInfo[(origin.UserInfo.IndexOf(':') + 1)..] : "" }.Uri.AbsoluteUri
            : url;

    /// <summary>True when both URLs have the same scheme, host and port (credentials are sent only there).</summary>
    public static bool SameOrigin(string a, string b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var x) && Uri.TryCreate(b, UriKind.Absolute, out var y)
        && Uri.Compare(x, y, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    [GeneratedRegex(@"\{([^{}/?&=]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"<(?<url>[^>]*)>(?<params>[^,<]*)", RegexOptions.CultureInvariant)]
    private static partial Regex LinkEntry();

    [GeneratedRegex(@"\brel\s*=\s*""?([^"";,]*)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LinkRel();
}
