namespace Resync.Core.Sdk;

/// <summary>
/// A validated section of a link file: every value already has its declared type. Components read their
/// settings from it and report problems of meaning (e.g. "give 'equals' or 'empty'") at the right line.
/// The link-file layer fills it (positions are 1-based line and column); components never see the file's format.
/// </summary>
public sealed class ConfigSection
{
    private readonly Dictionary<string, (object Value, (int Line, int Column) Start)> _values = new(StringComparer.Ordinal);
    private readonly Action<int, int, string> _report;
    private readonly (int Line, int Column) _start;

    /// <param name="start">Where the section starts: problems without a key (or with an absent one) are reported there.</param>
    /// <param name="report">Records a problem: line, column and message.</param>
    internal ConfigSection(string path, string file, string baseDirectory, (int Line, int Column) start, Action<int, int, string> report, ILinkTrust trust)
    {
        SectionPath = path;
        File = file;
        BaseDirectory = baseDirectory;
        Trust = trust;
        _start = start;
        _report = report;
    }

    /// <summary>Where the section is, e.g. <c>source</c> or <c>steps[2].validate</c>.</summary>
    public string SectionPath { get; }

    /// <summary>The link file.</summary>
    public string File { get; }

    /// <summary>The folder relative paths are resolved against (the link file's folder).</summary>
    public string BaseDirectory { get; }

    /// <summary>What the link may reach; connectors pass <see cref="ILinkTrust.CheckBeforeOpen"/> to what opens files.</summary>
    public ILinkTrust Trust { get; }

    public bool Has(string key) => _values.ContainsKey(key);

    public string? Text(string key) => Get<string>(key);

    public string Text(string key, string fallback) => Get<string>(key) ?? fallback;

    public long? Integer(string key) => _values.TryGetValue(key, out var entry) ? (long)entry.Value : null;

    public int Integer(string key, int fallback) => _values.TryGetValue(key, out var entry) ? (int)(long)entry.Value : fallback;

    public decimal? Number(string key) => _values.TryGetValue(key, out var entry) ? (decimal)entry.Value : null;

    public bool Boolean(string key, bool fallback) => _values.TryGetValue(key, out var entry) ? (bool)entry.Value : fallback;

    public TimeSpan? Duration(string key) => _values.TryGetValue(key, out var entry) ? (TimeSpan)entry.Value : null;

    public IReadOnlyList<string>? TextList(string key) => Get<IReadOnlyList<string>>(key);

    public IReadOnlyDictionary<string, string>? TextMap(string key) => Get<IReadOnlyDictionary<string, string>>(key);

    public ConfigSection? Section(string key) => Get<ConfigSection>(key);

    /// <summary>A path from the link file, made absolute against the link file's folder and checked by the link's trust.</summary>
    /// <exception cref="ArgumentException">The trust refuses it.</exception>
    public string ResolvePath(string path) => Trust.ResolvePath(path, BaseDirectory);

    /// <summary>Reports a problem at the key's line (or the section's, when the key is absent).</summary>
    public void Problem(string? key, string message)
    {
        var (line, column) = key is not null && _values.TryGetValue(key, out var entry) ? entry.Start : _start;
        var where = key is null ? SectionPath : $"{SectionPath}.{key}";
        _report(line, column, $"{where}: {message}");
    }

    internal void Set(string key, object value, (int Line, int Column) start) => _values[key] = (value, start);

    private T? Get<T>(string key) where T : class => _values.TryGetValue(key, out var entry) ? (T)entry.Value : null;
}
