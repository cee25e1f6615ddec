using System.Text;
using System.Text.Json;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Time;
using ChurnStream.Simulation;
using Confluent.Kafka;

namespace ChurnStream.Integration.Tests.Support;

/// <summary>
/// What an uninterrupted run decides: the engine in memory over the same events (the pipeline specs show the
/// service over Kafka decides byte for byte the same). Comparisons stop two days before the last event, because a
/// live stream keeps its last hours waiting for the watermark.
/// </summary>
public sealed class Reference
{
    public Reference(PopulationGenerator generator, DetectionOptions options, int partitions)
    {
        var engine = new PartitionedEngine(options, partitions);
        var sink = new CollectingSink();
        long last = 0;
        foreach (var e in generator.GenerateEvents())
        {
            var contract = e.Topic == Simulation.Topics.Purchases ? InputTopic.Purchases : InputTopic.Engagements;
            if (!EventParser.Default.TryParse(e.Json, contract, out var evt, out _)) throw new InvalidOperationException("generator wrote a bad event");
            engine.Accept(evt, sink);
            last = Math.Max(last, evt.OccurredAtMs);
        }
        CutoffMs = last - 2 * EventTime.MillisPerDay;
        Alerts = sink.Alerts.Where(a => a.DetectedAtMs < CutoffMs).Select(a => Encoding.UTF8.GetString(OutputJson.Serialize(a))).ToHashSet();
        SegmentChanges = sink.SegmentChanges.Where(s => s.ChangedAtMs < CutoffMs).Select(s => Encoding.UTF8.GetString(OutputJson.Serialize(s))).ToHashSet();
        FinalSegments = sink.SegmentChanges.Where(s => s.ChangedAtMs < CutoffMs)
            .GroupBy(s => s.CustomerId).ToDictionary(g => g.Key, g => Encoding.UTF8.GetString(OutputJson.Serialize(g.Last())).Split("\"segments\":")[1]);
    }

    public long CutoffMs { get; }
    public HashSet<string> Alerts { get; }
    public HashSet<string> SegmentChanges { get; }
    public Dictionary<string, string> FinalSegments { get; }

    /// <summary>
    /// <see cref="AssertMatches"/> on the topics, read again until they match or <paramref name="within"/> has passed: after
    /// faults the last decisions can take a few seconds more to come out (watermark records from every partition).
    /// </summary>
    public void AssertTopicsMatch(ChurnStream.Kafka.Options.StreamOptions o, bool allowDuplicates, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                AssertMatches(Support.Topics.Read(o, o.Topics.Alerts), Support.Topics.Read(o, o.Topics.Segments), allowDuplicates);
                return;
            }
            catch (Xunit.Sdk.XunitException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(2000);
            }
        }
    }

    /// <summary>
    /// The service's outputs against this reference: nothing missing, nothing extra, and every record that appears
    /// more than once byte-identical to its first copy (a broker without transaction markers shows aborted copies).
    /// </summary>
    public void AssertMatches(List<ConsumeResult<byte[], byte[]>> alerts, List<ConsumeResult<byte[], byte[]>> segments, bool allowDuplicates)
    {
        var alertTexts = alerts.Select(a => Encoding.UTF8.GetString(a.Message.Value)).ToList();
        foreach (var copies in alertTexts.GroupBy(a => JsonDocument.Parse(a).RootElement.GetProperty("alertId").GetString()))
            Assert.True(copies.Distinct().Count() == 1, $"alert {copies.Key} appears with different contents");
        if (!allowDuplicates) Assert.Equal(alertTexts.Count, alertTexts.Distinct().Count());

        var streamAlerts = alertTexts.Where(a => Before(a, "detectedAt")).ToHashSet();
        Assert.True(Alerts.SetEquals(streamAlerts),
            $"missing {Alerts.Except(streamAlerts).Count()}:\n{string.Join("\n", Alerts.Except(streamAlerts).Take(10))}\nextra {streamAlerts.Except(Alerts).Count()}:\n{string.Join("\n", streamAlerts.Except(Alerts).Take(10))}");

        var segmentTexts = segments.Select(s => Encoding.UTF8.GetString(s.Message.Value)).Where(s => Before(s, "changedAt")).ToList();
        if (!allowDuplicates) Assert.Equal(segmentTexts.Count, segmentTexts.Distinct().Count());
        var streamSegments = segmentTexts.ToHashSet();
        Assert.True(SegmentChanges.SetEquals(streamSegments),
            $"segment changes: missing {SegmentChanges.Except(streamSegments).Count()}, extra {streamSegments.Except(SegmentChanges).Count()} (e.g. {streamSegments.Except(SegmentChanges).FirstOrDefault()})");

        var final = new Dictionary<string, string>();
        foreach (var s in segmentTexts)
            final[JsonDocument.Parse(s).RootElement.GetProperty("customerId").GetString()!] = s.Split("\"segments\":")[1];
        Assert.Equal(FinalSegments.Count, final.Count);
        foreach (var (customer, set) in FinalSegments) Assert.Equal(set, final[customer]);
    }

    private bool Before(string json, string field) =>
        JsonDocument.Parse(json).RootElement.GetProperty(field).GetDateTimeOffset().ToUnixTimeMilliseconds() < CutoffMs;
}
