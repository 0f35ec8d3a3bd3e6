namespace Resync.Core.Recovery;

/// <summary>Where alerts go. Every alert is also kept in its run's history, whatever the sink.</summary>
public interface IAlertSink
{
    Task RaiseAsync(Alert alert, CancellationToken cancellationToken);
}
