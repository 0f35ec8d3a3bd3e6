using Resync.Core.Sdk;

namespace Resync.Connectors.Push;

/// <summary>Registers the push (webhook) source, <c>type: push</c>, with a link-file catalog.</summary>
public static class PushConnectors
{
    public static ComponentCatalog AddPushConnectors(this ComponentCatalog catalog) => catalog
        .AddSource("push", "Records pushed to the link's endpoint (resync serve): one object, an array, or {\"records\": [...]} per request.",
            new ConfigSchema(
                new KeySpec("keyField", ValueKind.Text, "The field with each record's key.") { Default = "id" },
                new KeySpec("errorMessage", ValueKind.Text,
                    "The message a synchronous push answers per failing record; placeholders {index}, {key}, {code}, {type}, {field}, {message}.")),
            (config, _) => new PushSource(config.Text("keyField", "id"), config.Text("errorMessage")));
}
