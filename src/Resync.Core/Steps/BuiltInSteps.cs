using System.Text.RegularExpressions;
using Resync.Core.Sdk;

namespace Resync.Core.Steps;

/// <summary>Registers the declarative steps every link file can use.</summary>
public static class BuiltInSteps
{
    private static readonly KeySpec Field = new("field", ValueKind.Text, "The field the step works on.") { Required = true };

    public static ComponentCatalog AddBuiltInSteps(this ComponentCatalog catalog) => catalog
        .AddStep("filter", "Ignores records whose field equals one of the values (or is empty), with a mandatory reason.",
            new ConfigSchema(Field,
                new KeySpec("equals", ValueKind.TextList, "Ignore when the field equals one of these values."),
                new KeySpec("empty", ValueKind.Boolean, "Ignore when the field is missing or empty.") { Default = "false" },
                new KeySpec("reason", ValueKind.Text, "Why such records are ignored; shown on every ignored record.") { Required = true }),
            (config, _) =>
            {
                var field = config.Text("field", "");
                if (!config.Has("equals") && !config.Boolean("empty", false))
                    config.Problem(null, "give 'equals' (values to ignore) or 'empty: true'");
                return new FilterStep(StepName(config, "filter", field), field, config.TextList("equals") ?? [], config.Boolean("empty", false), config.Text("reason", "ignored"));
            })
        .AddStep("validate", "Checks one field; a record that fails gets a Data record error naming the field.",
            new ConfigSchema(Field,
                new KeySpec("required", ValueKind.Boolean, "The field must have a non-blank value.") { Default = "false" },
                new KeySpec("maxLength", ValueKind.Integer, "At most this many characters."),
                new KeySpec("pattern", ValueKind.Text, "A regular expression the whole value must match."),
                new KeySpec("email", ValueKind.Boolean, "The value must look like an email address.") { Default = "false" },
                new KeySpec("min", ValueKind.Number, "The smallest number allowed."),
                new KeySpec("max", ValueKind.Number, "The largest number allowed."),
                new KeySpec("oneOf", ValueKind.TextList, "The only values allowed.")),
            (config, _) =>
            {
                var field = config.Text("field", "");
                Regex? pattern = null;
                if (config.Text("pattern") is { } text)
                {
                    try
                    {
                        pattern = new Regex($"^(?:{text})$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
                    }
                    catch (ArgumentException exception)
                    {
                        config.Problem("pattern", $"not a valid regular expression: {exception.Message}");
                    }
                }
                var rules = new ValidationRules
                {
                    Required = config.Boolean("required", false),
                    MaxLength = (int?)config.Integer("maxLength"),
                    Pattern = pattern,
                    Email = config.Boolean("email", false),
                    Min = config.Number("min"),
                    Max = config.Number("max"),
                    OneOf = config.TextList("oneOf")?.ToArray(),
                };
                return new ValidateStep(StepName(config, "validate", field), field, rules);
            })
        .AddStep("truncate", "Shortens a text field to a maximum length, with a warning on the record.",
            new ConfigSchema(Field, new KeySpec("maxLength", ValueKind.Integer, "The length to cut to.") { Required = true }),
            (config, _) =>
            {
                var field = config.Text("field", "");
                return new TruncateStep(StepName(config, "truncate", field), field, config.Integer("maxLength", 0));
            })
        .AddStep("rename", "Renames a field.",
            new ConfigSchema(
                new KeySpec("from", ValueKind.Text, "The field's current name.") { Required = true },
                new KeySpec("to", ValueKind.Text, "Its new name.") { Required = true }),
            (config, _) => new RenameStep(StepName(config, "rename", config.Text("from", "")), config.Text("from", ""), config.Text("to", "")))
        .AddStep("set", "Sets a field to a constant value.",
            new ConfigSchema(Field, new KeySpec("value", ValueKind.Scalar, "The value.") { Required = true }),
            (config, _) =>
            {
                var field = config.Text("field", "");
                return new SetStep(StepName(config, "set", field), field, config.Text("value"));
            })
        .AddStep("map", "Builds the record anew from 'to: from' pairs and constants; fields not listed are dropped.",
            new ConfigSchema(
                new KeySpec("fields", ValueKind.TextMap, "Output field: input field, in output order (copy or rename)."),
                new KeySpec("constants", ValueKind.TextMap, "Output field: constant value.")),
            (config, _) =>
            {
                var fields = config.TextMap("fields") ?? new Dictionary<string, string>();
                var constants = config.TextMap("constants") ?? new Dictionary<string, string>();
                if (fields.Count == 0 && constants.Count == 0)
                    config.Problem(null, "give 'fields' (to: from pairs) or 'constants' (to: value pairs)");
                foreach (var name in constants.Keys.Where(fields.ContainsKey))
                    config.Problem("constants", $"'{name}' is both mapped from a field and set to a constant");
                return new MapStep(config.Text("name") ?? "map", fields,
                    constants.Select(pair => KeyValuePair.Create(pair.Key, (object?)pair.Value)));
            })
        .AddStep("convert", "Converts a field to integer, number, boolean, date (ISO-8601) or text; a value that cannot be converted is a Data record error.",
            new ConfigSchema(Field,
                new KeySpec("to", ValueKind.Text, "The type to convert to.") { Required = true, Allowed = ["integer", "number", "boolean", "date", "text"] }),
            (config, _) =>
            {
                var field = config.Text("field", "");
                return new ConvertStep(StepName(config, "convert", field), field, Enum.Parse<ConversionType>(config.Text("to", "text"), ignoreCase: true));
            })
        .AddStep("dedupe", "Lets through the first record with a given key in a run; later ones fail as DuplicateData (DUPLICATE_KEY).",
            new ConfigSchema(new KeySpec("field", ValueKind.Text, "The field that identifies a record.") { Default = "the record's key (the source's keyField)" }),
            (config, _) =>
            {
                var field = config.Text("field");
                return new DedupeStep(config.Text("name") ?? $"dedupe({field ?? "key"})", field);
            });

    /// <summary>The step's name in errors: its <c>name</c> key, or e.g. <c>validate(email)</c>.</summary>
    private static string StepName(ConfigSection config, string kind, string field) => config.Text("name") ?? $"{kind}({field})";
}
