using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Resync.LinkFiles;

namespace Resync.Server;

/// <summary>
/// The server's settings from configuration: the <c>Resync</c> section (appsettings.json, <c>RESYNC__…</c> environment
/// variables, the command line) bound to <see cref="ServerOptions"/> and checked before anything starts. The whole section
/// is bound, so a new property of <see cref="ServerOptions"/> is a setting with no change here.
/// </summary>
public static class ServerConfiguration
{
    /// <summary>The configuration section of the server's settings (<c>Resync:MaxBodyBytes</c>, <c>RESYNC__MAXBODYBYTES</c>).</summary>
    public const string SectionName = "Resync";

    /// <summary>
    /// Binds the <c>Resync</c> section over <paramref name="options"/> (which carries the defaults) and validates the result.
    /// Every problem is listed at once, each naming its setting and where its value came from.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is unknown, of the wrong form or out of range.</exception>
    public static ServerOptions Bind(IConfiguration configuration, ServerOptions options)
    {
        var section = configuration.GetSection(SectionName);
        var properties = Settings().ToDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        var problems = new List<string>();
        foreach (var child in section.GetChildren())
        {
            if (!properties.TryGetValue(child.Key, out var property))
                problems.Add($"{SectionName}:{child.Key}{From(configuration, child.Path)} is not a setting{Suggestions.DidYouMean(child.Key, properties.Keys)}");
            else if (child.Value is { } text && !Converts(property.PropertyType, text))
                problems.Add($"{SectionName}:{property.Name}{From(configuration, child.Path)}: expected {Expected(property.PropertyType)}, found '{text}'");
        }
        if (problems.Count == 0)
        {
            // A list given in configuration replaces the default list (the binder would add to it).
            foreach (var child in section.GetChildren())
            {
                var type = properties[child.Key].PropertyType;
                if (type != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(type))
                    properties[child.Key].SetValue(options, null);
            }
            try
            {
                section.Bind(options);
            }
            catch (InvalidOperationException exception)
            {
                problems.Add(exception.Message);
            }
        }
        if (problems.Count == 0)
            problems.AddRange(Check(options).Select(p => $"{SectionName}:{p.Setting}{From(configuration, $"{SectionName}:{p.Setting}")}: {p.Problem}"));
        if (problems.Count > 0)
            throw new OptionsValidationException(SectionName, typeof(ServerOptions), problems);
        return options;
    }

    /// <summary>What is wrong with <paramref name="options"/>, each as <c>Resync:Name: why</c>; empty when they are valid.</summary>
    public static IReadOnlyList<string> Validate(ServerOptions options) => [.. Check(options).Select(p => $"{SectionName}:{p.Setting}: {p.Problem}")];

    private static IEnumerable<(string Setting, string Problem)> Check(ServerOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty(""))
                yield return (member, result.ErrorMessage ?? "is invalid");
        }
        foreach (var cidr in options.AllowedNetworks.Where(cidr => !System.Net.IPNetwork.TryParse(cidr, out _)))
            yield return (nameof(ServerOptions.AllowedNetworks), $"'{cidr}' is not an address range in CIDR form, e.g. 10.20.0.0/16 or fd00:1::/64");
        foreach (var origin in options.EmbedFrameAncestors.Where(origin => !IsOrigin(origin)))
            yield return (nameof(ServerOptions.EmbedFrameAncestors), $"'{origin}' is not an origin (scheme, host and optional port), e.g. https://app.partner.example");
        if (options.SmtpHost is not null && !System.Net.Mail.MailAddress.TryCreate(options.SmtpFrom, out _))
            yield return (nameof(ServerOptions.SmtpFrom), $"e-mail alerts need a sender address with SmtpHost, e.g. resync@example.com; found '{options.SmtpFrom}'");
        foreach (var problem in Cluster.ClusterSettings.Problems(options))
            yield return problem;
        foreach (var problem in options.BreakerOptions().Validate())
            yield return ("Breaker" + problem.Option, problem.Problem);
        foreach (var property in Settings())
        {
            // No duration of the server's may be negative (a timeout, an interval, a window): one rule for every one, new ones included.
            var value = property.GetValue(options);
            var durations = value is TimeSpan single ? [single] : value as IEnumerable<TimeSpan> ?? [];
            if (durations.Any(d => d < TimeSpan.Zero))
                yield return (property.Name, "a duration may not be negative");
        }
    }

    // Only a bare origin: the value goes into a Content-Security-Policy header, where ';' or a space would add directives.
    private static bool IsOrigin(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && origin.TrimEnd('/') == uri.GetLeftPart(UriPartial.Authority) && !origin.Any(c => c is ';' or ',' or '\'' or '"' || char.IsWhiteSpace(c));

    /// <summary>The settings: every public read-write property of <see cref="ServerOptions"/>.</summary>
    public static IEnumerable<PropertyInfo> Settings() =>
        typeof(ServerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.CanWrite);

    private static bool Converts(Type type, string text)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
            return true;
        if (!type.IsPrimitive && type != typeof(TimeSpan) && type != typeof(decimal) && !type.IsEnum)
            return true; // a collection or an object given as one value: the binder reports it
        try
        {
            TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
            return true;
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or NotSupportedException || exception.InnerException is FormatException or OverflowException)
        {
            return false;
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(bool))
            return "true or false";
        if (type == typeof(TimeSpan))
            return "a duration as [d.]hh:mm:ss[.fff], e.g. 00:00:30";
        if (type.IsEnum)
            return $"one of {string.Join(", ", Enum.GetNames(type))}";
        if (type == typeof(int) || type == typeof(long))
            return "a whole number";
        return "a number";
    }

    /// <summary>" (from appsettings.json)": where the winning value of <paramref name="key"/> came from, when that is known.</summary>
    private static string From(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root)
            return "";
        var provider = root.Providers.LastOrDefault(p => p.TryGet(key, out _));
        return provider switch
        {
            JsonConfigurationProvider json => $" (from {json.Source.FileProvider?.GetFileInfo(json.Source.Path ?? "").PhysicalPath ?? json.Source.Path})",
            EnvironmentVariablesConfigurationProvider => $" (from the environment variable {key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()})",
            CommandLineConfigurationProvider => " (from the command line)",
            _ => "",
        };
    }
}
