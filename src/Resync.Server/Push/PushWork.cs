using Resync.Connectors.Push;
using Resync.Core.Links;
using Resync.Core.Records;
using Resync.Core.Storage;

namespace Resync.Server.Push;

/// <summary>
/// A push waiting for its run: its records, and for an asynchronous one, the stored push. <see cref="Started"/> says where its records went.
/// </summary>
internal sealed record PushWork(Link Link, PushSource Source, IReadOnlyList<Record> Records, string? RequestId, StoredPush? Stored)
{
    public TaskCompletionSource<PushShare> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
