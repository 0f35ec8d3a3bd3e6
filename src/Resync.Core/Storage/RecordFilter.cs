using Resync.Core.Records;

namespace Resync.Core.Storage;

/// <summary>Which kept record outcomes to list.</summary>
public sealed record RecordFilter(OutcomeKind? Outcome = null, int Offset = 0, int Limit = 100, int? BatchNumber = null);
