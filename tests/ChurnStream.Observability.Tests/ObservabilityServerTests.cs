using System.Net;
using System.Net.Sockets;
using System.Text;
using ChurnStream.Observability;

namespace ChurnStream.Observability.Tests;

public sealed class ObservabilityServerTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static string Url(ObservabilityServer server, string path) => $"http://127.0.0.1:{server.LocalEndpoint!.Port}{path}";

    [Fact]
    public async Task Metrics_are_served_with_the_prometheus_content_type()
    {
        using var metrics = new ChurnStreamMetrics();
        using var exporter = new PrometheusTextExporter(metrics.Meter);
        await using var server = TestSupport.StartServer(exporter, new HealthState());
        metrics.EventConsumed("purchases", 7);

        using var response = await Http.GetAsync(Url(server, "/metrics"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(PrometheusTextExporter.ContentType, response.Content.Headers.GetValues("Content-Type").Single());
        Assert.Contains("churnstream_events_consumed_total{topic=\"purchases\"} 7\n", body);
        Assert.Contains("# TYPE process_cpu_seconds_total counter\n", body);
    }

    [Fact]
    public async Task Readyz_turns_from_503_to_200_and_back_as_the_health_state_changes()
    {
        var health = new HealthState();
        await using var server = TestSupport.StartServer(exporter: null, health);

        async Task<(HttpStatusCode, string)> Ready()
        {
            using var r = await Http.GetAsync(Url(server, "/readyz"));
            return (r.StatusCode, (await r.Content.ReadAsStringAsync()).Trim());
        }

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "starting"), await Ready());
        health.SetRestoring("partition purchases-0");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "restoring: partition purchases-0"), await Ready());
        health.SetReady();
        Assert.Equal((HttpStatusCode.OK, "ready"), await Ready());
        health.SetNotReady("partitions revoked");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "not ready: partitions revoked"), await Ready());
        health.SetStopping();
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "stopping"), await Ready());
    }

    [Fact]
    public async Task Healthz_is_200_while_heartbeats_arrive_and_503_once_the_main_loop_stalls()
    {
        var clock = new ManualTimeProvider();
        var health = new HealthState(TimeSpan.FromSeconds(10), clock);
        await using var server = TestSupport.StartServer(exporter: null, health);

        using (var ok = await Http.GetAsync(Url(server, "/healthz")))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("ok\n", await ok.Content.ReadAsStringAsync());
        }
        clock.Advance(TimeSpan.FromSeconds(11));
        using (var stalled = await Http.GetAsync(Url(server, "/healthz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.StatusCode);
            Assert.StartsWith("stalled", await stalled.Content.ReadAsStringAsync());
        }
        health.Heartbeat();
        using var recovered = await Http.GetAsync(Url(server, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
    }

    [Fact]
    public async Task Unknown_paths_are_404_other_methods_405_and_HEAD_has_no_body()
    {
        await using var server = TestSupport.StartServer(exporter: null, new HealthState());

        using var missing = await Http.GetAsync(Url(server, "/nope"));
        using var post = await Http.PostAsync(Url(server, "/healthz"), new StringContent("x"));
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, Url(server, "/healthz?verbose=1")));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Garbage_and_silent_clients_do_not_break_the_server()
    {
        await using var server = TestSupport.StartServer(exporter: null, new HealthState());
        var port = server.LocalEndpoint!.Port;

        using (var silent = new TcpClient())
        {
            await silent.ConnectAsync(IPAddress.Loopback, port); // never sends a request
            using var garbage = new TcpClient();
            await garbage.ConnectAsync(IPAddress.Loopback, port);
            var stream = garbage.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("NONSENSE\r\n\r\n"));
            var reply = new byte[64];
            var read = await stream.ReadAsync(reply);
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(reply, 0, read));

            using var ok = await Http.GetAsync(Url(server, "/healthz"));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
    }

    [Fact]
    public async Task Stopping_releases_the_port_and_port_zero_disables_the_server()
    {
        var server = TestSupport.StartServer(exporter: null, new HealthState());
        var port = server.LocalEndpoint!.Port;
        await server.StopAsync();
        await server.DisposeAsync();

        var rebind = new TcpListener(IPAddress.Loopback, port);
        rebind.Start(); // would throw if still bound
        rebind.Stop();

        await using var disabled = new ObservabilityServer(new ObservabilityServerOptions { Port = 0 }, null, new HealthState());
        disabled.Start();
        Assert.False(disabled.Enabled);
        Assert.Null(disabled.LocalEndpoint);
    }

    [Theory]
    [InlineData("http://+:9464/", "+", 9464)]
    [InlineData("0.0.0.0:9100", "0.0.0.0", 9100)]
    [InlineData(":9464", "0.0.0.0", 9464)]
    [InlineData("9464", "0.0.0.0", 9464)]
    [InlineData("[::]:9464", "::", 9464)]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    public void Listen_addresses_parse_into_host_and_port(string listen, string host, int port)
    {
        var options = ObservabilityServerOptions.Parse(listen);

        Assert.Equal(host, options.Host);
        Assert.Equal(port, options.Port);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("host:99999")]
    public void Malformed_listen_addresses_are_rejected(string listen) =>
        Assert.Throws<FormatException>(() => ObservabilityServerOptions.Parse(listen));
}
