using System.Buffers;
using System.Text.Json;
using ChurnStream.Domain.Advice;
using ChurnStream.Domain.Events;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Codec;

/// <summary>
/// Output record to bytes: the <c>churn-alerts</c> and <c>customer-segments</c> contract (schema version 1).
/// Field order and number formatting are fixed, so the same decision always gives the same bytes.
/// </summary>
public static class OutputJson
{
    public const int SchemaVersion = 1;

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static byte[] Serialize(ChurnAlert a) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        w.WriteString("alertId", a.AlertId);
        w.WriteString("customerId", a.CustomerId);
        w.WriteString("kind", a.Kind.Name());
        if (a.Stage is not null) w.WriteString("stage", a.Stage);
        w.WriteString("severity", a.Severity.Name());
        w.WriteString("detectedAt", EventTime.Format(a.DetectedAtMs));
        w.WriteStartObject("metrics");
        WriteRounded(w, "current", a.Metrics.Current);
        WriteRounded(w, "baseline", a.Metrics.Baseline);
        WriteRounded(w, "ratio", a.Metrics.Ratio);
        WriteRounded(w, "threshold", a.Metrics.Threshold);
        w.WriteString("unit", a.Metrics.Unit);
        w.WriteEndObject();
        WriteSegments(w, a.Segments);
        w.WriteStartObject("customer");
        WriteRounded(w, "lifetimeSpend", a.Customer.LifetimeSpend);
        w.WriteNumber("orders", a.Customer.Orders);
        WriteTime(w, "firstPurchaseAt", a.Customer.FirstPurchaseMs);
        WriteTime(w, "lastPurchaseAt", a.Customer.LastPurchaseMs);
        WriteRounded(w, "trailingSpend", a.Customer.TrailingSpend);
        w.WriteNumber("trailingPurchases", a.Customer.TrailingPurchases);
        w.WriteEndObject();
        // Added fields (a compatible change of schema version 1): the model's view and the advice.
        WriteRounded(w, "pAlive", a.Model?.PAlive);
        WriteRounded(w, "expectedPurchases", a.Model?.ExpectedPurchases);
        WriteRounded(w, "expectedValue", a.Model?.ExpectedValue);
        if (a.Advice is { } advice)
        {
            w.WriteString("suspectedReason", advice.Reason.Name());
            w.WriteStartObject("evidence");
            var e = advice.Evidence;
            w.WriteNumber("complaints", e.Complaints);
            WriteRounded(w, "avgFeedback", e.AverageFeedback);
            WriteRounded(w, "interactionRatio", e.InteractionRatio);
            WriteRounded(w, "purchaseRatio", e.PurchaseRatio);
            if (e.StatedReason == StatedReason.None) w.WriteNull("statedReason");
            else w.WriteString("statedReason", StatedReasonName(e.StatedReason));
            WriteTime(w, "serviceSignalAt", e.ServiceSignalMs);
            w.WriteEndObject();
            w.WriteString("recommendedAction", advice.RecommendedAction);
            w.WriteNumber("priority", advice.Priority);
        }
        w.WriteEndObject();
    });

    private static string StatedReasonName(StatedReason r) => r switch
    {
        StatedReason.Price => "price",
        StatedReason.Service => "service",
        StatedReason.Need => "need",
        _ => "other",
    };

    public static byte[] Serialize(SegmentChange c) => Write(w =>
    {
        w.WriteStartObject();
        w.WriteNumber("schemaVersion", SchemaVersion);
        w.WriteString("customerId", c.CustomerId);
        w.WriteString("changedAt", EventTime.Format(c.ChangedAtMs));
        w.WriteStartArray("changes");
        for (var i = 0; i < c.Changes.Count; i++) // by index: foreach over the interface boxes an enumerator per record
        {
            var t = c.Changes[i];
            w.WriteStartObject();
            w.WriteString("dimension", t.Dimension.Name());
            if (t.From is null) w.WriteNull("from"); else w.WriteString("from", t.From);
            w.WriteString("to", t.To);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteSegments(w, c.Segments);
        w.WriteEndObject();
    });

    private static void WriteSegments(Utf8JsonWriter w, SegmentSet s)
    {
        w.WriteStartObject("segments");
        w.WriteString("value", s.Value.Name());
        w.WriteString("lifecycle", s.Lifecycle.Name());
        w.WriteString("activity", s.Activity.Name());
        w.WriteString("sentiment", s.Sentiment.Name());
        w.WriteString("source", s.Source.Name());
        w.WriteEndObject();
    }

    private static void WriteRounded(Utf8JsonWriter w, string name, double? value)
    {
        if (value is not { } v || !double.IsFinite(v)) { w.WriteNull(name); return; }
        w.WriteNumber(name, Math.Round(v, 6, MidpointRounding.ToEven));
    }

    private static void WriteTime(Utf8JsonWriter w, string name, long ms)
    {
        if (ms == CustomerProfile.None) w.WriteNull(name);
        else w.WriteString(name, EventTime.Format(ms));
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        // One writer per thread, reset for each record: a new one per record was ~2 % of the service's allocations.
        var w = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        w.Reset(buffer);
        body(w);
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}
