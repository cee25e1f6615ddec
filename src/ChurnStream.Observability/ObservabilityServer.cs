using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChurnStream.Observability;

/// <summary>Where the observability endpoint listens.</summary>
public sealed record ObservabilityServerOptions
{
    /// <summary>Address to bind: <c>0.0.0.0</c> (also <c>+</c>, <c>*</c>), <c>::</c> (dual-stack), <c>localhost</c>, or an IP.</summary>
    public string Host { get; init; } = "0.0.0.0";

    /// <summary>TCP port; 0 disables the server.</summary>
    public int Port { get; init; } = 9464;

    /// <summary>Time a client gets to send its request headers.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Parses <c>9464</c>, <c>:9464</c>, <c>host:port</c>, <c>[::]:9464</c> or an HttpListener-style prefix
    /// such as <c>http://+:9464/</c>.
    /// </summary>
    public static ObservabilityServerOptions Parse(string listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        var s = listen.Trim();
        if (s.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) s = s["http://".Length..];
        s = s.TrimEnd('/');
        if (int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bare))
        {
            return new ObservabilityServerOptions { Port = CheckPort(bare, listen) };
        }
        var colon = s.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(s[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw new FormatException($"Cannot parse listen address '{listen}' (expected host:port).");
        }
        var host = s[..colon].Trim('[', ']');
        return new ObservabilityServerOptions { Host = host.Length == 0 ? "0.0.0.0" : host, Port = CheckPort(port, listen) };
    }

    private static int CheckPort(int port, string listen) =>
        port is >= 0 and <= 65535 ? port : throw new FormatException($"Port out of range in '{listen}'.");

    internal IPAddress ResolveAddress() => Host switch
    {
        "+" or "*" or "0.0.0.0" or "" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ when IPAddress.TryParse(Host, out var ip) => ip,
        _ => Dns.GetHostAddresses(Host).First(),
    };
}

/// <summary>
/// Minimal HTTP/1.1 server (TcpListener, one request per connection) for <c>GET /metrics</c>, <c>/healthz</c>
/// and <c>/readyz</c>. <c>HEAD</c> is answered too; anything else gets 404/405.
/// </summary>
public sealed class ObservabilityServer : IAsyncDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly ObservabilityServerOptions _options;
    private readonly PrometheusTextExporter? _exporter;
    private readonly HealthState _health;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _connectionsGate = new();
    private readonly HashSet<Task> _connections = [];
    private TcpListener? _listener;
    private Task? _acceptLoop;
    private int _stopped;

    /// <param name="options">Address and port (port 0 = disabled).</param>
    /// <param name="exporter">Source of <c>/metrics</c>; null answers 404 there.</param>
    /// <param name="health">Source of <c>/healthz</c> and <c>/readyz</c>.</param>
    public ObservabilityServer(ObservabilityServerOptions options, PrometheusTextExporter? exporter, HealthState health)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _health = health ?? throw new ArgumentNullException(nameof(health));
        _exporter = exporter;
    }

    /// <summary>False when the configured port is 0.</summary>
    public bool Enabled => _options.Port != 0;

    /// <summary>The bound endpoint once started (null when disabled or not started).</summary>
    public IPEndPoint? LocalEndpoint => _listener?.LocalEndpoint as IPEndPoint;

    /// <summary>Binds and starts accepting. No-op when disabled. Throws <see cref="SocketException"/> if the port is taken.</summary>
    public void Start()
    {
        if (!Enabled) return;
        if (_listener is not null) throw new InvalidOperationException("Already started.");
        var address = _options.ResolveAddress();
        var listener = new TcpListener(address, _options.Port);
        if (address.Equals(IPAddress.IPv6Any)) listener.Server.DualMode = true;
        listener.Start(backlog: 64);
        _listener = listener;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Stops accepting, waits (briefly) for in-flight requests. Idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _stopping.Cancel();
        _listener?.Stop();
        if (_acceptLoop is not null)
        {
            try { await _acceptLoop.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
        Task[] inFlight;
        lock (_connectionsGate) inFlight = [.. _connections];
        await Task.WhenAny(Task.WhenAll(inFlight), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task AcceptLoopAsync()
    {
        var listener = _listener!;
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // a connection reset before accept completed
            }
            var task = HandleAsync(client);
            lock (_connectionsGate) _connections.Add(task);
            _ = task.ContinueWith(t => { lock (_connectionsGate) _connections.Remove(t); }, TaskScheduler.Default);
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        await Task.Yield();
        using (client)
        {
            try
            {
                client.NoDelay = true;
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
                timeout.CancelAfter(_options.RequestTimeout);
                var stream = client.GetStream();
                var requestLine = await ReadRequestHeadAsync(stream, timeout.Token).ConfigureAwait(false);
                var (status, contentType, body, head) = requestLine is null ? (400, "text/plain; charset=utf-8", "bad request\n", false) : Route(requestLine);
                await WriteResponseAsync(stream, status, contentType, body, head, timeout.Token).ConfigureAwait(false);
                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
            }
            catch (IOException)
            {
            }
            catch (SocketException)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Reads until the blank line ending the headers; returns the request line or null if malformed.</summary>
    private static async Task<string?> ReadRequestHeadAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new byte[MaxHeaderBytes];
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(filled), ct).ConfigureAwait(false);
            if (read == 0) break;
            filled += read;
            var span = buffer.AsSpan(0, filled);
            if (span.IndexOf("\r\n\r\n"u8) >= 0 || span.IndexOf("\n\n"u8) >= 0) break;
        }
        var text = Encoding.ASCII.GetString(buffer, 0, filled);
        var end = text.IndexOf('\n');
        if (end <= 0) return null;
        return text[..end].TrimEnd('\r');
    }

    private (int Status, string ContentType, string Body, bool Head) Route(string requestLine)
    {
        const string plain = "text/plain; charset=utf-8";
        var parts = requestLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/", StringComparison.Ordinal)) return (400, plain, "bad request\n", false);
        var method = parts[0];
        var head = method == "HEAD";
        var target = parts[1];
        var query = target.IndexOf('?');
        var path = query >= 0 ? target[..query] : target;
        if (path.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && Uri.TryCreate(path, UriKind.Absolute, out var absolute))
        {
            path = absolute.AbsolutePath;
        }
        if (path.Length > 1) path = path.TrimEnd('/');
        if (path is not ("/" or "/metrics" or "/healthz" or "/readyz")) return (404, plain, "not found\n", head);
        if (method is not ("GET" or "HEAD")) return (405, plain, "method not allowed\n", false);
        switch (path)
        {
            case "/metrics":
                if (_exporter is null) return (404, plain, "metrics disabled\n", head);
                try
                {
                    return (200, PrometheusTextExporter.ContentType, _exporter.Collect(), head);
                }
                catch (Exception ex)
                {
                    return (500, plain, "collect failed: " + ex.GetType().Name + "\n", head);
                }
            case "/healthz":
                var live = _health.Liveness();
                return (live.Healthy ? 200 : 503, plain, live.Reason + "\n", head);
            case "/readyz":
                var ready = _health.Readiness();
                return (ready.Healthy ? 200 : 503, plain, ready.Reason + "\n", head);
            default:
                return (200, plain, "churnstream: /metrics /healthz /readyz\n", head);
        }
    }

    private static async Task WriteResponseAsync(NetworkStream stream, int status, string contentType, string body, bool head, CancellationToken ct)
    {
        var payload = Utf8.GetBytes(body);
        var reason = status switch
        {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            405 => "Method Not Allowed",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Unknown",
        };
        var header = new StringBuilder()
            .Append("HTTP/1.1 ").Append(status).Append(' ').Append(reason).Append("\r\n")
            .Append("Content-Type: ").Append(contentType).Append("\r\n")
            .Append("Content-Length: ").Append(payload.Length).Append("\r\n")
            .Append("Cache-Control: no-store\r\n")
            .Append(status == 405 ? "Allow: GET, HEAD\r\n" : string.Empty)
            .Append("Connection: close\r\n\r\n")
            .ToString();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(header), ct).ConfigureAwait(false);
        if (!head) await stream.WriteAsync(payload, ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
