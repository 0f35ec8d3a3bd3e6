namespace Resync.Core.Sdk;

/// <summary>
/// A source whose records are all held already (a push's body): nothing could read them again later, and reading them
/// costs nothing. When a run of it stops partway (a system error, a shutdown), the engine keeps every page the run had
/// not read as a batch of incomplete records with their values, so that the incomplete run's resume writes them: a
/// run of such a source never leaves records behind unaccounted for.
/// </summary>
public interface IHeldRecordsSource : IResumableSource;
