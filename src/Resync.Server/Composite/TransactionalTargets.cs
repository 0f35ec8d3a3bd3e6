using YamlDotNet.RepresentationModel;

namespace Resync.Server.Composite;

/// <summary>Whether a link's document declares a SQL target with <c>transactional: true</c> (all-or-none per batch).</summary>
internal static class TransactionalTargets
{
    public static bool IsTransactional(string document)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(document));
        }
        catch (YamlDotNet.Core.YamlException)
        {
            return false;
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("target"), out var targetNode) || targetNode is not YamlMappingNode target)
            return false;
        var type = Scalar(target, "type");
        return type is "sqlite" or "postgres" && string.Equals(Scalar(target, "transactional"), "true", StringComparison.OrdinalIgnoreCase);
    }

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value : null;
}
