using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ChurnStream.Integration.Tests.Support;
using ChurnStream.Kafka.Options;
using ChurnStream.Kafka.Tools;
using ChurnStream.Simulation;

namespace ChurnStream.Integration.Tests;

/// <summary>
/// What an SRE sees of the running service: its scrape (promtool, a real Prometheus), its probes through start,
/// run and shutdown. Each test starts the service in-process with its HTTP endpoint on a loopback port.
/// </summary>
public sealed class ObservabilitySpecs
{
    /// <summary>Bad input with the reason the service must give it: (topic is purchases, value, reason).</summary>
    private static readonly (bool Purchases, string Json, string Reason)[] BadInput =
    [
        (true, "{oops", "invalid_json"),
        (true, """{"occurredAt":"2025-01-01T00:00:00Z","amount":5}""", "missing_field"),
        (true, """{"customerId":"bad-1","occurredAt":"2025-01-01T00:00:00Z","amount":1e400}""", "non_finite_amount"),
        (false, """{"customerId":"bad-2","occurredAt":"2025-01-01T00:00:00Z","type":"teleport"}""", "unknown_type"),
        (false, "[1,2,3]", "invalid_json"),
    ];

    [Fact]
    public async Task A_scrape_of_the_running_service_passes_promtool_and_a_real_Prometheus_reports_the_counts_of_a_known_input()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 3);
        var o = cluster.Options;
        await using var service = RunningService.Start(o, ObservabilityProbe.FreeLoopbackListen());
        var port = service.Runtime.Server.LocalEndpoint!.Port;
        using var prometheus = new ObservabilityPrometheusServer(port); // scrapes while the service works

        // The known input: a small generated population (5 % unkeyed, so the repartition topic is used too) and bad messages.
        var generator = new PopulationGenerator(new GeneratorOptions { Customers = 80, Days = 240, Seed = 21, UnkeyedRate = 0.05 });
        long purchases = 0, engagements = 0;
        var customers = new HashSet<string>();
        using (var publisher = new EventPublisher(o.Kafka))
        {
            foreach (var e in generator.GenerateEvents())
            {
                var isPurchase = e.Topic == Simulation.Topics.Purchases;
                publisher.Publish(isPurchase ? o.Topics.Purchases : o.Topics.Engagements, e.Unkeyed ? null : e.CustomerId, e.Json);
                if (isPurchase) purchases++; else engagements++;
                customers.Add(e.CustomerId);
            }
            foreach (var (isPurchase, json, _) in BadInput)
            {
                publisher.Publish(isPurchase ? o.Topics.Purchases : o.Topics.Engagements, "bad-key", Encoding.UTF8.GetBytes(json));
                if (isPurchase) purchases++; else engagements++;
            }
            publisher.Flush(TimeSpan.FromSeconds(30));
        }
        service.WaitUntilCaughtUp(TimeSpan.FromSeconds(60), quiet: TimeSpan.FromSeconds(3));

        var alerts = Support.Topics.Read(o, o.Topics.Alerts);
        var segmentRecords = Support.Topics.ReadJson(o, o.Topics.Segments);
        var segmentChanges = segmentRecords.Sum(r => r.GetProperty("changes").GetArrayLength());
        var segmentedCustomers = segmentRecords.Select(r => r.GetProperty("customerId").GetString()).Distinct().Count();
        Assert.True(alerts.Count > 0, "the known input must produce alerts for the alert count to mean anything");

        // 1. The scrape over HTTP, as Prometheus gets it.
        var (status, scrape, contentType) = await ObservabilityProbe.Get(port, "/metrics");
        Assert.Equal(200, status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", contentType);
        var (exit, lint) = ObservabilityProbe.PromtoolCheckMetrics(scrape + "\n");
        Assert.True(exit == 0 && lint.Length == 0, $"promtool check metrics: exit {exit}\n{lint}\n---\n{scrape}");

        Assert.Equal(purchases, ObservabilityProbe.Sum(scrape, "churnstream_events_consumed_total", $"topic=\"{o.Topics.Purchases}\""));
        Assert.Equal(engagements, ObservabilityProbe.Sum(scrape, "churnstream_events_consumed_total", $"topic=\"{o.Topics.Engagements}\""));
        foreach (var reason in BadInput.Select(b => b.Reason).Distinct())
        {
            var expected = BadInput.Count(b => b.Reason == reason);
            Assert.Equal(expected, ObservabilityProbe.Sum(scrape, "churnstream_events_rejected_total", $"reason=\"{reason}\""));
            Assert.Equal(expected, ObservabilityProbe.Sum(scrape, "churnstream_dlq_records_total", $"reason=\"{reason}\""));
        }
        Assert.Equal(BadInput.Length, ObservabilityProbe.Sum(scrape, "churnstream_events_rejected_total"));
        Assert.Equal(alerts.Count, ObservabilityProbe.Sum(scrape, "churnstream_alerts_emitted_total"));
        Assert.Equal(segmentChanges, ObservabilityProbe.Sum(scrape, "churnstream_segment_changes_total"));
        Assert.Equal(customers.Count, ObservabilityProbe.Sum(scrape, "churnstream_customers_tracked"));
        Assert.Equal(segmentedCustomers, ObservabilityProbe.Sum(scrape, "churnstream_customers_in_segment", "dimension=\"value\""));
        Assert.Equal(3, ObservabilityProbe.Sum(scrape, "churnstream_partitions_assigned"));
        // one latency sample per output caused by a consumed record (outputs fired by an idle watermark have no source record)
        var latencies = ObservabilityProbe.Sum(scrape, "churnstream_processing_latency_seconds_count");
        Assert.True(latencies > 0 && latencies <= alerts.Count + segmentRecords.Count, $"{latencies} latency samples for {alerts.Count + segmentRecords.Count} outputs");
        Assert.True(ObservabilityProbe.Sum(scrape, "churnstream_offset_commits_total", "outcome=\"success\"") > 0);
        Assert.Equal(0, ObservabilityProbe.Sum(scrape, "churnstream_offset_commits_total", "outcome=\"failure\""));
        Assert.Equal(0, ObservabilityProbe.Sum(scrape, "churnstream_produce_errors_total"));
        Assert.True(ObservabilityProbe.Sum(scrape, "churnstream_rebalances_total", "kind=\"assigned\"") >= 1);

        // Every metric the dashboard and the alert rules query has samples in this scrape, except the ones the
        // pipeline does not report yet (KPIs: KpiTracker; restore and transactions: the exactly-once work).
        string[] notYetReported = ["churnstream_kpi_churn_rate", "churnstream_kpi_retention_rate", "churnstream_kpi_winback_rate",
            "churnstream_state_restore_seconds", "churnstream_state_restore_seconds_bucket", "churnstream_state_restore_seconds_count"];
        var present = ObservabilityProbe.SampleNames(scrape);
        var missing = ObservabilityProbe.MetricsUsedByDashboardAndRules()
            .Where(n => !present.Contains(n) && !present.Contains(n + "_bucket") && !notYetReported.Contains(n)).Order().ToList();
        Assert.True(missing.Count == 0, "queried by the dashboard or rules but absent from the running service: " + string.Join(", ", missing));

        // 2. A real Prometheus that scraped the service on loopback answers PromQL with the same numbers.
        var timeout = TimeSpan.FromSeconds(20);
        var q = await prometheus.WaitFor($"sum(churnstream_events_consumed_total{{job=\"churnstream\",topic=~\"{o.Topics.Purchases}\"}})", purchases, timeout);
        Assert.True(q.Value == purchases, $"purchases: expected {purchases}, got {q.Raw}\nprometheus log:\n{prometheus.Log}");
        q = await prometheus.WaitFor("sum(churnstream_events_rejected_total{job=\"churnstream\"})", BadInput.Length, timeout);
        Assert.True(q.Value == BadInput.Length, $"rejected: expected {BadInput.Length}, got {q.Raw}");
        q = await prometheus.WaitFor("sum(churnstream_alerts_emitted_total{job=\"churnstream\"})", alerts.Count, timeout);
        Assert.True(q.Value == alerts.Count, $"alerts: expected {alerts.Count}, got {q.Raw}");
        q = await prometheus.WaitFor("sum(churnstream_events_rejected_total{reason=\"invalid_json\"})", 2, timeout);
        Assert.True(q.Value == 2, $"invalid_json: expected 2, got {q.Raw}");
        q = await prometheus.WaitFor("up{job=\"churnstream\"}", 1, timeout);
        Assert.True(q.Value == 1, "target not up: " + q.Raw);
    }

    [Fact]
    public async Task Probes_answer_as_specified_through_start_run_and_shutdown()
    {
        using var cluster = StreamCluster.WithTopics(partitions: 3);
        var o = cluster.Options;
        var service = RunningService.Start(o, ObservabilityProbe.FreeLoopbackListen());
        var disposed = false;
        try
        {
            var port = service.Runtime.Server.LocalEndpoint!.Port;

            // Start: before the group assigned anything, not ready (with a reason), but alive.
            var first = await ObservabilityProbe.Get(port, "/readyz");
            var (_, scrape, _) = await ObservabilityProbe.Get(port, "/metrics");
            Assert.Equal(503, first.Status);
            Assert.NotEqual("", first.Body);
            Assert.NotEqual("ready", first.Body);
            Assert.Equal(0, ObservabilityProbe.Sum(scrape, "churnstream_partitions_assigned"));
            Assert.Equal(200, (await ObservabilityProbe.Get(port, "/healthz")).Status);

            var reasons = new List<string> { first.Body };
            var sw = Stopwatch.StartNew();
            while (true)
            {
                var ready = await ObservabilityProbe.Get(port, "/readyz");
                var live = await ObservabilityProbe.Get(port, "/healthz");
                Assert.True(live.Status == 200, $"liveness failed during start-up: {live.Status} {live.Body}");
                if (reasons[^1] != ready.Body) reasons.Add(ready.Body);
                if (ready.Status == 200) break;
                Assert.True(ready.Status == 503, $"readyz answered {ready.Status}");
                Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), "not ready after 30 s: " + string.Join(" -> ", reasons));
                await Task.Delay(100);
            }
            // starting -> (restoring: ...)* -> ready; nothing else
            Assert.Equal("ready", reasons[^1]);
            Assert.All(reasons[..^1], r => Assert.True(r.StartsWith("starting", StringComparison.Ordinal) || r.StartsWith("restoring:", StringComparison.Ordinal)
                || r.StartsWith("not ready:", StringComparison.Ordinal), "unexpected reason " + r));
            (_, scrape, _) = await ObservabilityProbe.Get(port, "/metrics");
            Assert.True(ObservabilityProbe.Sum(scrape, "churnstream_partitions_assigned") > 0, "ready before any partition was assigned");

            // Run: ready and alive while processing.
            using (var publisher = new EventPublisher(o.Kafka))
            {
                for (var i = 0; i < 50; i++)
                    publisher.Publish(o.Topics.Purchases, $"probe-{i % 7}", Encoding.UTF8.GetBytes($$"""{"customerId":"probe-{{i % 7}}","occurredAt":"2025-02-{{1 + i / 7:00}}T10:00:00Z","amount":{{10 + i}}}"""));
                publisher.Flush(TimeSpan.FromSeconds(30));
            }
            service.WaitUntilCaughtUp(TimeSpan.FromSeconds(30), quiet: TimeSpan.FromSeconds(1));
            Assert.Equal((200, "ready"), Pick(await ObservabilityProbe.Get(port, "/readyz")));
            Assert.Equal((200, "ok"), Pick(await ObservabilityProbe.Get(port, "/healthz")));

            // Shutdown: once the processor stops, not ready ("stopping") but still alive, so Kubernetes drains
            // traffic without killing the pod before it has committed and left the group ...
            Assert.True(service.Runtime.Stop(TimeSpan.FromSeconds(10)), "the processor did not stop within 10 s");
            Assert.Equal((503, "stopping"), Pick(await ObservabilityProbe.Get(port, "/readyz")));
            Assert.Equal((200, "stopping"), Pick(await ObservabilityProbe.Get(port, "/healthz")));
            Assert.Null(service.Runtime.Failure);

            // ... and after it, nothing listens any more.
            await service.DisposeAsync();
            disposed = true;
            Assert.Equal(0, (await ObservabilityProbe.Get(port, "/readyz")).Status);
            Assert.Equal(0, (await ObservabilityProbe.Get(port, "/healthz")).Status);
        }
        finally
        {
            if (!disposed) await service.DisposeAsync();
        }
    }

    private static (int, string) Pick((int Status, string Body, string? ContentType) r) => (r.Status, r.Body);
}

/// <summary>A broker that cannot be reached: not ready with a reason that says so, alive, and no exit (no crash loop).</summary>
public sealed class ObservabilityUnreachableBrokerSpecs
{
    [Fact]
    public async Task With_an_unreachable_broker_readyz_is_503_naming_the_broker_healthz_stays_200_and_the_service_keeps_trying()
    {
        var options = new StreamOptions
        {
            Kafka = new KafkaOptions { BootstrapServers = "127.0.0.1:1", GroupId = "obs-down-" + Guid.NewGuid().ToString("N")[..8] },
        };
        options.Clock.IdleAdvance = false;
        var service = RunningService.Start(options, ObservabilityProbe.FreeLoopbackListen());
        try
        {
            var port = service.Runtime.Server.LocalEndpoint!.Port;
            var sw = Stopwatch.StartNew();
            var lastReady = "";
            // Longer than the 15 s the start-up metadata request may take: a service that gives up then and exits
            // is restarted by Kubernetes over and over (CrashLoopBackOff) instead of waiting for the broker.
            while (sw.Elapsed < TimeSpan.FromSeconds(20))
            {
                var ready = await ObservabilityProbe.Get(port, "/readyz");
                var live = await ObservabilityProbe.Get(port, "/healthz");
                Assert.True(ready.Status == 503, $"readyz {ready.Status} {ready.Body} after {sw.Elapsed.TotalSeconds:0.0} s");
                Assert.NotEqual("", ready.Body);
                Assert.True(live.Status == 200, $"healthz {live.Status} {live.Body} after {sw.Elapsed.TotalSeconds:0.0} s");
                lastReady = ready.Body;
                await Task.Delay(500);
            }
            Assert.Contains("broker", lastReady, StringComparison.OrdinalIgnoreCase);
            Assert.True(service.Runtime.Failure is null && service.Runtime.IsRunning,
                $"the service gave up on an unreachable broker after {sw.Elapsed.TotalSeconds:0} s: {service.Runtime.Failure?.Message}; readyz: {lastReady}");
        }
        finally
        {
            await service.DisposeAsync();
        }
    }
}

/// <summary><c>churnstream run</c> with JSON logs, as a separate process against the <c>churnstream broker</c> process.</summary>
public sealed class ObservabilityLogSpecs
{
    [Fact]
    public void With_json_logging_every_stderr_line_is_one_JSON_object_and_no_customer_id_is_logged_at_Information()
    {
        if (Environment.GetEnvironmentVariable(StreamCluster.BootstrapVariable) is { Length: > 0 }) return; // needs the broker command
        using var broker = Processes.Start("dotnet", [Processes.ChurnstreamDll, "broker", "--partitions", "3"]);
        Process? run = null;
        try
        {
            var line = broker.StandardOutput.ReadLine();
            Assert.NotNull(line);
            Assert.StartsWith("bootstrap.servers=", line);
            var bootstrap = line["bootstrap.servers=".Length..];
            var group = "obs-logs-" + Guid.NewGuid().ToString("N")[..8];

            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Processes.ChurnstreamDll, "run", "-b", bootstrap, "--metrics-port", "0", "--group-id", group }) psi.ArgumentList.Add(a);
            psi.Environment["CHURNSTREAM_Logging__Format"] = "json";
            psi.Environment["CHURNSTREAM_Clock__IdleAdvance"] = "false";
            run = Process.Start(psi)!;
            var stderr = new List<string>();
            run.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Add(e.Data); };
            run.OutputDataReceived += (_, _) => { };
            run.BeginErrorReadLine();
            run.BeginOutputReadLine();

            var kafka = new KafkaOptions { BootstrapServers = bootstrap };
            var customers = new HashSet<string>();
            using (var publisher = new EventPublisher(kafka))
            {
                var generator = new PopulationGenerator(new GeneratorOptions { Customers = 40, Days = 200, Seed = 5, UnkeyedRate = 0.05 });
                foreach (var e in generator.GenerateEvents())
                {
                    publisher.Publish(e.Topic == Simulation.Topics.Purchases ? "purchases" : "engagements", e.Unkeyed ? null : e.CustomerId, e.Json);
                    customers.Add(e.CustomerId);
                }
                // bad and late input carries customer ids too; the DLQ has them, the log must not
                publisher.Publish("purchases", "log-secret-1", """{"customerId":"log-secret-1","occurredAt":"2025-01-01T00:00:00Z","amount":"x"}"""u8.ToArray());
                publisher.Publish("engagements", "log-secret-2", """{"customerId":"log-secret-2","occurredAt":"2025-01-01T00:00:00Z","type":"teleport"}"""u8.ToArray());
                customers.Add("log-secret-1");
                customers.Add("log-secret-2");
                publisher.Flush(TimeSpan.FromSeconds(30));
            }
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (GroupProgress.RemainingRecords(kafka, group, ["purchases", "engagements", "churnstream-repartition"]) > 0)
            {
                Assert.False(run.HasExited, "run exited:\n" + string.Join("\n", stderr));
                Assert.True(DateTime.UtcNow < deadline, "the service did not catch up:\n" + string.Join("\n", stderr));
                Thread.Sleep(300);
            }

            Assert.Equal(0, Mono.Unix.Kill(run.Id, Mono.Unix.SIGTERM));
            Assert.True(run.WaitForExit(TimeSpan.FromSeconds(10)), "run did not stop within 10 s of SIGTERM");
            run.WaitForExit();
            Assert.Equal(0, run.ExitCode);

            List<string> lines;
            lock (stderr) lines = stderr.Where(l => l.Trim().Length > 0).ToList();
            var all = string.Join("\n", lines);
            Assert.NotEmpty(lines);
            var messages = new List<(string Level, string Message)>();
            foreach (var l in lines)
            {
                JsonDocument doc;
                try
                {
                    doc = JsonDocument.Parse(l);
                }
                catch (JsonException ex)
                {
                    Assert.Fail($"stderr line is not JSON ({ex.Message}): {l}\n--- all stderr:\n{all}");
                    throw;
                }
                using (doc)
                {
                    Assert.True(doc.RootElement.ValueKind == JsonValueKind.Object, "not an object: " + l);
                    var level = doc.RootElement.GetProperty("LogLevel").GetString()!;
                    messages.Add((level, doc.RootElement.GetProperty("Message").GetString()!));
                    Assert.True(doc.RootElement.TryGetProperty("Timestamp", out _), "no Timestamp: " + l);
                    Assert.True(doc.RootElement.TryGetProperty("Category", out _), "no Category: " + l);
                    if (level is "Information" or "Debug" or "Trace")
                    {
                        var leaked = customers.FirstOrDefault(c => l.Contains(c, StringComparison.Ordinal));
                        Assert.True(leaked is null, $"customer id {leaked} logged at {level}: {l}");
                    }
                }
            }
            // the log actually covered start, assignment and shutdown
            Assert.Contains(messages, m => m.Message.StartsWith("Service started", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Message.StartsWith("Assigned partitions", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.Message.StartsWith("Stopping on signal", StringComparison.Ordinal));
        }
        finally
        {
            if (run is { HasExited: false }) run.Kill(entireProcessTree: true);
            run?.Dispose();
            Mono.Unix.Kill(broker.Id, Mono.Unix.SIGTERM);
            if (!broker.WaitForExit(TimeSpan.FromSeconds(10))) broker.Kill();
        }
    }
}
