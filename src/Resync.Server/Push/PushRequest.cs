using Resync.Connectors.Push;
using Resync.Core.Records;
using Resync.Server.Links;

namespace Resync.Server.Push;

/// <summary>A push checked and parsed, before any work: its link, its records, its body as received, and how it is answered.</summary>
internal sealed record PushRequest(LinkEntry Entry, PushSource Source, IReadOnlyList<Record> Records, ReadOnlyMemory<byte> Body, bool IsAsync, string? CallbackUrl,
    string? RequestId);
