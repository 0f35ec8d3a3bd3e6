using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Resync.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace Resync.Server.Links;

/// <summary>Credentials in link documents: the values that are never returned or logged.</summary>
public static partial class LinkDocuments
{
    private const string Hidden = "********";
    private static readonly HashSet<string> VisibleAuthKeys = new(StringComparer.OrdinalIgnoreCase) { "type", "user", "header", "query" };

    // A link's document is one string for as long as the link is loaded, and GET /links/{id} answers it redacted on every
    // request: parsing and writing its YAML again each time cost more CPU than the rest of the request. Kept per string
    // instance (not its text), for as long as that string lives.
    private static readonly ConditionalWeakTable<string, string> Redacted = new();

    /// <summary>
    /// The document with every credential replaced by <c>********</c>: every value of an <c>auth</c> section but its
    /// kind, user and parameter names; any key named like a password, secret or token; credential-like headers; and
    /// the passwords of connection strings and the userinfo of URLs in any value (<see cref="SecretText"/>).
    /// </summary>
    public static string Redact(string yaml) => Redacted.GetValue(yaml, RedactOnce);

    private static string RedactOnce(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return Hidden;
        }
        foreach (var document in stream.Documents)
            Walk(document.RootNode, parentKey: null);
        using var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        return text.EndsWith("...\n", StringComparison.Ordinal) ? text[..^4] : text;
    }

    private static void Walk(YamlNode node, string? parentKey)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                foreach (var (keyNode, value) in mapping.Children.ToList())
                {
                    var key = (keyNode as YamlScalarNode)?.Value ?? "";
                    var secret = (string.Equals(parentKey, "auth", StringComparison.OrdinalIgnoreCase) && !VisibleAuthKeys.Contains(key))
                        || SecretName().IsMatch(key)
                        || (string.Equals(parentKey, "headers", StringComparison.OrdinalIgnoreCase) && SecretHeader().IsMatch(key));
                    if (secret && value is YamlScalarNode)
                        mapping.Children[keyNode] = new YamlScalarNode(Hidden);
                    else if (value is YamlScalarNode { Value: { } text } && SecretText.Mask(text) is var masked && masked != text)
                        mapping.Children[keyNode] = new YamlScalarNode(masked);
                    else
                        Walk(value, key);
                }
                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                    Walk(item, parentKey);
                break;
        }
    }

    [GeneratedRegex("password|secret|token|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("auth|key|token|secret|cookie", RegexOptions.IgnoreCase)]
    private static partial Regex SecretHeader();
}
