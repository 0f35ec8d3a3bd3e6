using Resync.Core.Records;

namespace Resync.Core.Sdk;

/// <summary>
/// A source whose records are pushed to the link (a webhook, a composite record operation) rather than pulled: each
/// push becomes a run over <see cref="WithRecords"/>. Whether a link takes pushes is <see cref="Links.Link.TakesPushes"/>.
/// </summary>
public interface IPushSource : ISource
{
    /// <summary>A source over one push's records.</summary>
    ISource WithRecords(IReadOnlyList<Record> records);
}
