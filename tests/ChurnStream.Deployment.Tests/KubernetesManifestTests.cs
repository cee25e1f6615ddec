using System.Globalization;

namespace ChurnStream.Deployment.Tests;

/// <summary>k8s/: the Kustomize base, the topics and the dev/prod overlays agree with the service and its configuration.</summary>
public sealed class KubernetesManifestTests
{
    public static TheoryData<string> Kustomizations => new() { "base", "topics", "overlays/dev", "overlays/prod" };
    public static TheoryData<string> AppBuilds => new() { "base", "overlays/dev", "overlays/prod" };
    public static TheoryData<string> Overlays => new() { "overlays/dev", "overlays/prod" };

    private const string ChangelogTopic = "churnstream-changelog";

    private static Doc Single(IEnumerable<Doc> docs, string kind)
    {
        var matches = docs.Where(d => d.Kind == kind).ToList();
        Assert.True(matches.Count == 1, $"expected exactly one {kind}, found {matches.Count}");
        return matches[0];
    }

    private static Doc Container(Doc deployment)
    {
        var containers = deployment.List("spec.template.spec.containers");
        Assert.Single(containers);
        return new Doc(deployment.Source, containers[0]);
    }

    [Fact]
    public void Every_yaml_file_under_k8s_parses_and_every_manifest_has_a_kind()
    {
        var files = Yaml.K8sFiles().ToList();
        Assert.True(files.Count >= 10, "expected the k8s/ manifests, found " + files.Count);
        foreach (var file in files)
        {
            var docs = Yaml.Load(file);
            Assert.True(docs.Count > 0, file + " has no document");
            if (Path.GetFileName(file) == ".yamllint") continue;
            foreach (var doc in docs)
            {
                Assert.False(string.IsNullOrEmpty(doc.Str("apiVersion")), $"{file}: a document without apiVersion");
                Assert.False(string.IsNullOrEmpty(doc.Kind), $"{file}: a document without kind");
            }
        }
    }

    [Fact]
    public void The_yaml_loader_rejects_broken_yaml()
    {
        Assert.ThrowsAny<Exception>(() => Yaml.Parse("a: [1, 2\nb: c\n", "broken"));
        Assert.ThrowsAny<Exception>(() => Yaml.Parse("a: 1\na: 2\n", "duplicate key"));
        Assert.Equal(2, Yaml.Parse("kind: A\n---\nkind: B\n", "two").Count);
    }

    [Fact]
    public void Yamllint_is_clean_on_k8s()
    {
        var result = Tools.Run("yamllint", ["--strict", "-f", "parsable", "-c", Repo.PathOf("k8s", ".yamllint"), Repo.PathOf("k8s")]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public void Yamllint_with_the_k8s_configuration_rejects_a_bad_file()
    {
        var dir = Directory.CreateTempSubdirectory("churnstream-yamllint-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "bad.yaml"), "kind: A\nkind: B\nlist:\n- x\n  -  y\n");
            var result = Tools.Run("yamllint", ["--strict", "-c", Repo.PathOf("k8s", ".yamllint"), dir.FullName]);
            Assert.True(result.ExitCode != 0, "yamllint accepted a file with a duplicated key: " + result);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Kustomize_builds(string dir)
    {
        var docs = Tools.Kustomize(dir);
        Assert.NotEmpty(docs);
    }

    [Theory]
    [MemberData(nameof(AppBuilds))]
    public void Probes_and_ports_match_the_observability_endpoint(string dir)
    {
        var docs = Tools.Kustomize(dir);
        var port = AppSettings.MetricsPort;
        Assert.Equal(9464, port);
        var container = Container(Single(docs, "Deployment"));

        var ports = container.List("ports").Select(p => new Doc(dir, p)).ToList();
        var metrics = Assert.Single(ports, p => p.Str("name") == "metrics");
        Assert.Equal(port, metrics.Int("containerPort"));

        foreach (var (probe, path) in new[] { ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz") })
        {
            Assert.Equal(path, container.Str(probe + ".httpGet.path"));
            var probePort = container.Str(probe + ".httpGet.port");
            Assert.True(probePort == "metrics" || probePort == port.ToString(CultureInfo.InvariantCulture), $"{probe} port {probePort}");
        }

        var service = Single(docs, "Service");
        var servicePort = Assert.Single(service.List("spec.ports").Select(p => new Doc(dir, p)));
        Assert.Equal("metrics", servicePort.Str("name"));
        Assert.Equal(port, servicePort.Int("port"));
        Assert.Equal("metrics", servicePort.Str("targetPort"));

        var monitor = Single(docs, "ServiceMonitor");
        Assert.Equal("monitoring.coreos.com/v1", monitor.Str("apiVersion"));
        Assert.Equal("metrics", monitor.Str("spec.endpoints[0].port"));
        Assert.Equal("/metrics", monitor.Str("spec.endpoints[0].path"));
        // job="<service name>" is what the alerting rules select.
        Assert.Equal("churnstream", service.Name);
    }

    [Theory]
    [MemberData(nameof(AppBuilds))]
    public void Selectors_match_the_pod_labels(string dir)
    {
        var docs = Tools.Kustomize(dir);
        var deployment = Single(docs, "Deployment");
        var podLabels = deployment.Map("spec.template.metadata.labels");
        foreach (var (doc, path) in new[]
                 {
                     (deployment, "spec.selector.matchLabels"), (Single(docs, "Service"), "spec.selector"),
                     (Single(docs, "PodDisruptionBudget"), "spec.selector.matchLabels"),
                 })
        {
            var selector = doc.Map(path);
            Assert.NotEmpty(selector);
            foreach (var (k, v) in selector) Assert.True(podLabels.TryGetValue(k, out var pv) && Equals(pv, v), $"{doc}: selector {k}={v} does not match the pod labels");
        }
        var serviceLabels = Single(docs, "Service").Map("metadata.labels");
        foreach (var (k, v) in Single(docs, "ServiceMonitor").Map("spec.selector.matchLabels"))
            Assert.True(serviceLabels.TryGetValue(k, out var sv) && Equals(sv, v), $"ServiceMonitor selector {k}={v} does not match the Service");
        Assert.Equal("1", Single(docs, "PodDisruptionBudget").Str("spec.maxUnavailable"));
    }

    [Theory]
    [MemberData(nameof(AppBuilds))]
    public void Pods_shut_down_gracefully_run_as_non_root_and_have_resources(string dir)
    {
        var deployment = Single(Tools.Kustomize(dir), "Deployment");
        var grace = deployment.Int("spec.template.spec.terminationGracePeriodSeconds");
        Assert.NotNull(grace);
        Assert.InRange(grace.Value, 10, 60); // the service exits within 10 s of SIGTERM

        Assert.Equal("true", deployment.Str("spec.template.spec.securityContext.runAsNonRoot"));
        var uid = deployment.Int("spec.template.spec.securityContext.runAsUser");
        Assert.NotNull(uid);
        Assert.NotEqual(0, uid.Value);
        Assert.Equal(DockerfileTests.ImageUid(), uid.Value);

        var container = Container(deployment);
        Assert.Equal("false", container.Str("securityContext.allowPrivilegeEscalation"));
        Assert.NotEqual("0", container.Str("securityContext.runAsUser"));
        foreach (var r in new[] { "requests.cpu", "requests.memory", "limits.cpu", "limits.memory" })
            Assert.False(string.IsNullOrEmpty(container.Str("resources." + r)), "missing resources." + r);
    }

    [Theory]
    [MemberData(nameof(AppBuilds))]
    public void The_container_runs_the_service_with_the_mounted_configuration_and_optional_credentials(string dir)
    {
        var docs = Tools.Kustomize(dir);
        var deployment = Single(docs, "Deployment");
        var container = Container(deployment);
        var args = container.List("args").Cast<string>().ToList();
        Assert.Equal("run", args[0]);
        var config = args[args.IndexOf("--config") + 1];

        var mount = container.List("volumeMounts").Select(m => new Doc(dir, m)).Single(m => config.StartsWith(m.Str("mountPath")! + "/", StringComparison.Ordinal));
        var volume = deployment.List("spec.template.spec.volumes").Select(v => new Doc(dir, v)).Single(v => v.Str("name") == mount.Str("name"));
        var configMapName = volume.Str("configMap.name");
        var configMap = docs.Single(d => d.Kind == "ConfigMap" && d.Name == configMapName);
        Assert.Equal(Path.GetFileName(config), Assert.Single(configMap.Map("data").Keys));

        var envFrom = container.List("envFrom").Select(e => new Doc(dir, e)).ToList();
        var secret = Assert.Single(envFrom, e => e.Get("secretRef") is not null);
        Assert.Equal("true", secret.Str("secretRef.optional"));
        var envMapName = Assert.Single(envFrom, e => e.Get("configMapRef") is not null).Str("configMapRef.name");
        var env = docs.Single(d => d.Kind == "ConfigMap" && d.Name == envMapName);
        Assert.All(env.Map("data").Keys, k => Assert.StartsWith("CHURNSTREAM_", k));
        Assert.False(string.IsNullOrWhiteSpace(env.Str("data", "CHURNSTREAM_Kafka__BootstrapServers")));
    }

    [Fact]
    public void The_generated_configuration_is_byte_identical_to_config_appsettings_json()
    {
        var expected = File.ReadAllBytes(Repo.PathOf("config", "appsettings.json"));
        var copy = File.ReadAllBytes(Repo.PathOf("k8s", "base", "appsettings.json"));
        Assert.True(expected.AsSpan().SequenceEqual(copy),
            "k8s/base/appsettings.json differs from config/appsettings.json: run `cp config/appsettings.json k8s/base/appsettings.json`");

        var rendered = Single(Tools.Kustomize("base").Where(d => d.Kind == "ConfigMap" && d.Name!.StartsWith("churnstream-config", StringComparison.Ordinal)), "ConfigMap");
        Assert.Equal(File.ReadAllText(Repo.PathOf("config", "appsettings.json")), rendered.Str("data", "appsettings.json"));
    }

    [Fact]
    public void The_prometheus_rule_wraps_config_prometheus_churnstream_rules_yml()
    {
        var text = File.ReadAllText(Repo.PathOf("k8s", "base", "prometheusrule.yaml")).Replace("\r\n", "\n");
        var marker = text.IndexOf("\nspec:\n", StringComparison.Ordinal);
        Assert.True(marker >= 0, "no `spec:` line in prometheusrule.yaml");
        var body = text[(marker + "\nspec:\n".Length)..];
        var rules = File.ReadAllText(Repo.PathOf("config", "prometheus", "churnstream-rules.yml")).Replace("\r\n", "\n");
        var expected = string.Join("\n", rules.Split('\n').Select(l => l.Length == 0 ? l : "  " + l));
        Assert.True(expected == body, "k8s/base/prometheusrule.yaml is out of date with config/prometheus/churnstream-rules.yml: regenerate it (command in its header)");

        var rule = Single(Tools.Kustomize("base"), "PrometheusRule");
        var source = Yaml.Parse(rules, "rules").Single();
        Assert.Equal(Flatten(source.Get("groups")), Flatten(rule.Get("spec.groups")));
    }

    private static string Flatten(object? node) => node switch
    {
        Dictionary<string, object?> m => "{" + string.Join(",", m.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + ":" + Flatten(kv.Value))) + "}",
        List<object?> l => "[" + string.Join(",", l.Select(Flatten)) + "]",
        _ => "'" + node + "'",
    };

    [Fact]
    public void Kafka_topics_match_the_configured_names_partitions_and_replication()
    {
        var topics = Tools.Kustomize("topics").Where(d => d.Kind == "KafkaTopic").ToList();
        Assert.All(topics, t => Assert.Equal("kafka.strimzi.io/v1beta2", t.Str("apiVersion")));
        var byName = topics.ToDictionary(t => t.Str("spec.topicName") ?? t.Name!, StringComparer.Ordinal);

        var expected = AppSettings.Topics.Values.Where(t => t.Length > 0).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, byName.Keys.Order(StringComparer.Ordinal).ToList());

        foreach (var (name, topic) in byName)
        {
            Assert.True(topic.Int("spec.partitions") == AppSettings.Partitions, $"{name}: partitions {topic.Str("spec.partitions")} != Kafka:Partitions {AppSettings.Partitions}");
            Assert.True(topic.Int("spec.replicas") == AppSettings.ReplicationFactor, $"{name}: replicas {topic.Str("spec.replicas")} != Kafka:ReplicationFactor {AppSettings.ReplicationFactor}");
            Assert.False(string.IsNullOrEmpty(topic.Str("metadata", "labels", "strimzi.io/cluster")), name + ": no strimzi.io/cluster label");
            var minIsr = int.Parse(topic.Str("spec", "config", "min.insync.replicas") ?? "1", CultureInfo.InvariantCulture);
            Assert.True(minIsr < AppSettings.ReplicationFactor || AppSettings.ReplicationFactor == 1, $"{name}: min.insync.replicas {minIsr} leaves no broker to lose");
        }

        // Tables are compacted (the latest record per key is the state); streams are deleted by retention.
        var tables = new[] { ChangelogTopic, AppSettings.Topics["Customers"] };
        foreach (var name in expected)
            Assert.Equal(tables.Contains(name) ? "compact" : "delete", byName[name].Str("spec", "config", "cleanup.policy"));

        var dlq = byName[AppSettings.Topics["DeadLetter"]];
        var retention = long.Parse(dlq.Str("spec", "config", "retention.ms")!, CultureInfo.InvariantCulture);
        Assert.True(retention >= (long)TimeSpan.FromDays(30).TotalMilliseconds, "DLQ retention below 30 days: " + retention);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_topics_keep_the_partition_count_and_name_their_cluster(string dir)
    {
        var docs = Tools.Kustomize(dir);
        var topics = docs.Where(d => d.Kind == "KafkaTopic").ToList();
        Assert.Equal(AppSettings.Topics.Values.Count(t => t.Length > 0), topics.Count);
        var cluster = topics.Select(t => t.Str("metadata", "labels", "strimzi.io/cluster")).Distinct().Single();
        Assert.Contains(cluster!, dir.EndsWith("dev", StringComparison.Ordinal) ? "kafka-dev" : "kafka-prod");
        Assert.All(topics, t => Assert.Equal(AppSettings.Partitions, t.Int("spec.partitions")));
        Assert.All(topics, t => Assert.False(string.IsNullOrEmpty(t.Namespace)));

        // The bootstrap servers point at that cluster's bootstrap service.
        var env = docs.Single(d => d.Kind == "ConfigMap" && d.Name!.StartsWith("churnstream-env", StringComparison.Ordinal));
        Assert.StartsWith(cluster + "-kafka-bootstrap.", env.Str("data", "CHURNSTREAM_Kafka__BootstrapServers"));
    }

    [Theory]
    [MemberData(nameof(AppBuilds))]
    public void Keda_scales_on_the_purchases_lag_of_the_group_within_the_partition_count(string dir)
    {
        var docs = Tools.Kustomize(dir);
        var scaled = Single(docs, "ScaledObject");
        Assert.Equal("keda.sh/v1alpha1", scaled.Str("apiVersion"));
        var deployment = Single(docs, "Deployment");
        Assert.Equal("Deployment", scaled.Str("spec.scaleTargetRef.kind"));
        Assert.Equal(deployment.Name, scaled.Str("spec.scaleTargetRef.name"));

        var max = scaled.Int("spec.maxReplicaCount");
        var min = scaled.Int("spec.minReplicaCount");
        Assert.NotNull(max);
        Assert.NotNull(min);
        Assert.True(max <= AppSettings.Partitions, $"maxReplicaCount {max} > Kafka:Partitions {AppSettings.Partitions}: the extra members would sit idle");
        Assert.InRange(min.Value, 1, max.Value);
        Assert.Equal(min, deployment.Int("spec.replicas"));

        var trigger = new Doc(dir, Assert.Single(scaled.List("spec.triggers")));
        Assert.Equal("kafka", trigger.Str("type"));
        Assert.Equal(AppSettings.GroupId, trigger.Str("metadata.consumerGroup"));
        Assert.Equal(AppSettings.Topics["Purchases"], trigger.Str("metadata.topic"));
        Assert.True(int.Parse(trigger.Str("metadata.lagThreshold")!, CultureInfo.InvariantCulture) > 0);
        var fromEnv = trigger.Str("metadata.bootstrapServersFromEnv");
        Assert.Equal("CHURNSTREAM_Kafka__BootstrapServers", fromEnv);
    }

    [Fact]
    public void Base_deployment_is_a_deployment_with_the_reason_written_down()
    {
        Assert.DoesNotContain(Tools.Kustomize("base"), d => d.Kind == "StatefulSet");
        var text = File.ReadAllText(Repo.PathOf("k8s", "base", "deployment.yaml"));
        Assert.Contains("Deployment, not StatefulSet", text);
    }

    [Fact]
    public void Overlays_differ_in_namespace_replicas_and_bootstrap_servers()
    {
        string Bootstrap(string dir) => Tools.Kustomize(dir).Single(d => d.Kind == "ConfigMap" && d.Name!.StartsWith("churnstream-env", StringComparison.Ordinal)).Str("data", "CHURNSTREAM_Kafka__BootstrapServers")!;
        Doc Deployment(string dir) => Single(Tools.Kustomize(dir), "Deployment");

        Assert.NotEqual(Bootstrap("overlays/dev"), Bootstrap("overlays/prod"));
        Assert.NotEqual(Bootstrap("base"), Bootstrap("overlays/prod"));
        Assert.NotEqual(Deployment("overlays/dev").Namespace, Deployment("overlays/prod").Namespace);
        Assert.False(string.IsNullOrEmpty(Deployment("overlays/dev").Namespace));
        Assert.True(Deployment("overlays/prod").Int("spec.replicas") > Deployment("overlays/dev").Int("spec.replicas"));
    }
}
