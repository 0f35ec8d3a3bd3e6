using System.Net;
using System.Net.Sockets;

namespace Resync.Testing.Faults;

/// <summary>
/// A TCP proxy on 127.0.0.1 (a free port) in front of a loopback service (an HTTP API, PostgreSQL) that injects network
/// faults into the connections it accepts: latency, an answer held until released (a timeout after the upstream
/// committed), a reset mid-answer or mid-request, a truncated answer, a slow drip; <see cref="RefuseAsync"/> makes connections
/// be refused. Each fault applies to the next connections that send something (<see cref="Fault.Connections"/>), then none: a
/// client may open a connection it never uses (an HTTP client racing two), which a fault bound at accept would miss.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private Fault _fault = Fault.None;
    private int _faultsLeft;
    private TaskCompletionSource _struck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _accepted;
    private int _disposed;

    private FaultProxy(int upstreamPort, int port)
    {
        _upstreamPort = upstreamPort;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The proxy as an HTTP base URL.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Completes when the fault injected last has struck a connection.</summary>
    public Task Struck
    {
        get
        {
            lock (_lock)
                return _struck.Task;
        }
    }

    /// <summary>Starts a proxy in front of the service listening on 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public static FaultProxy Start(int upstreamPort)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var proxy = new FaultProxy(upstreamPort, ((IPEndPoint)listener.LocalEndpoint).Port);
        proxy.Listen(listener);
        return proxy;
    }

    /// <summary>Starts a proxy in front of the HTTP service at <paramref name="url"/> (its port on loopback).</summary>
    public static FaultProxy Start(string url) => Start(new Uri(url).Port);

    /// <summary>Applies <paramref name="fault"/> to the next connections accepted (a fresh <see cref="Struck"/>, and held answers wait for a fresh <see cref="Release"/>).</summary>
    public void Inject(Fault fault)
    {
        lock (_lock)
        {
            _fault = fault;
            _faultsLeft = fault.Connections;
            _struck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets answers held by <see cref="FaultKind.Hang"/> go on.</summary>
    public void Release()
    {
        lock (_lock)
            _release.TrySetResult();
    }

    /// <summary>Stops listening: new connections are refused (ECONNREFUSED) until <see cref="Accept"/>.</summary>
    public async Task RefuseAsync()
    {
        _listener?.Stop();
        _listener = null;
        await _accepting.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Listens again on the same port.</summary>
    public void Accept()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Listen(listener);
    }

    private void Listen(TcpListener listener)
    {
        _listener = listener;
        _accepting = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                Interlocked.Increment(ref _accepted);
                lock (_lock)
                    _connections.Add(HandleAsync(client));
            }
        });
    }

    private (Fault Fault, TaskCompletionSource Struck, Task Release) TakeFault()
    {
        lock (_lock)
        {
            if (_fault.Kind == FaultKind.None || _faultsLeft <= 0)
                return (Fault.None, _struck, _release.Task);
            _faultsLeft--;
            return (_fault, _struck, _release.Task);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        using (client)
        {
            try
            {
                // The fault is taken by the first bytes the client sends (every client here speaks first: HTTP, PostgreSQL).
                var first = new byte[BufferSize];
                var read = await client.GetStream().ReadAsync(first, _stop.Token);
                if (read == 0)
                    return;
                var fault = TakeFault();
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
                var request = PumpAsync(client, upstream, fault, answer: false, first, read);
                var answer = PumpAsync(upstream, client, fault, answer: true, new byte[BufferSize], 0);
                await Task.WhenAll(request, answer);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Copies one direction, applying the fault; returns when it ends (or strikes), having closed both sockets as the fault says.</summary>
    /// <param name="read">How many bytes read from <paramref name="from"/> are in <paramref name="buffer"/> already.</param>
    private async Task PumpAsync(TcpClient from, TcpClient to, (Fault Fault, TaskCompletionSource Struck, Task Release) fault, bool answer, byte[] buffer, int read)
    {
        var (kind, bytes, delay) = (fault.Fault.Kind, fault.Fault.Bytes, fault.Fault.Delay);
        var passed = 0;
        var input = from.GetStream();
        var output = to.GetStream();
        try
        {
            while (true)
            {
                if (read == 0)
                    read = await input.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                    break;
                if (answer && passed == 0 && kind is FaultKind.Latency or FaultKind.Hang)
                {
                    fault.Struck.TrySetResult();
                    await (kind == FaultKind.Hang ? fault.Release.WaitAsync(_stop.Token) : Task.Delay(delay, _stop.Token));
                }
                if (!answer && kind == FaultKind.ResetMidRequest && passed + read >= bytes)
                {
                    // The part before the limit reaches the upstream; then both connections are reset (a transaction under way is rolled back).
                    await output.WriteAsync(buffer.AsMemory(0, Math.Max(0, bytes - passed)), _stop.Token);
                    fault.Struck.TrySetResult();
                    Reset(from, to);
                    return;
                }
                if (answer && kind is FaultKind.ResetMidAnswer or FaultKind.TruncatedAnswer && passed + read >= bytes)
                {
                    await output.WriteAsync(buffer.AsMemory(0, Math.Max(0, bytes - passed)), _stop.Token);
                    fault.Struck.TrySetResult();
                    if (kind == FaultKind.ResetMidAnswer)
                        Reset(from, to);
                    else
                        to.Client.Shutdown(SocketShutdown.Both);
                    return;
                }
                if (answer && kind == FaultKind.SlowDrip)
                {
                    fault.Struck.TrySetResult();
                    for (var i = 0; i < read; i++)
                    {
                        await output.WriteAsync(buffer.AsMemory(i, 1), _stop.Token);
                        await Task.Delay(delay, _stop.Token);
                    }
                }
                else
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                }
                passed += read;
                read = 0;
            }
            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static void Reset(params ReadOnlySpan<TcpClient> sockets)
    {
        foreach (var socket in sockets)
        {
            socket.Client.LingerState = new LingerOption(true, 0);
            socket.Client.Close();
        }
    }

    // A test may dispose it early, to cut its connections as a killed process's are, and again at its end.
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _stop.CancelAsync();
        _listener?.Stop();
        Release();
        Task[] connections;
        lock (_lock)
            connections = [.. _connections];
        await Task.WhenAll(connections.Append(_accepting)).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _stop.Dispose();
    }
}
