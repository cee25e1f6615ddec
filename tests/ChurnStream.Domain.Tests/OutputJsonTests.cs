using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Outputs;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

public class OutputJsonTests
{
    private static readonly long July14 = new DateTimeOffset(2025, 7, 14, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly SegmentSet HighLoyalDeclining = new(ValueTier.High, Lifecycle.Loyal, ActivityStatus.Declining);

    private static ChurnAlert SampleAlert() => new(
        AlertIdentity.For("c-000042", AlertKind.FrequencyDecline, July14, null),
        "c-000042", AlertKind.FrequencyDecline, Severity.High, July14, null,
        new AlertMetrics(1.0 / 30, 4.0 / 30, 0.25, 0.5, "purchases_per_day"),
        HighLoyalDeclining,
        new CustomerSnapshot(1234.5, 27,
            new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            new DateTimeOffset(2025, 6, 1, 10, 15, 0, 250, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            1100.25, 12));

    [Fact]
    public void Alert_is_serialized_exactly_as_the_contract_shows()
    {
        var json = Encoding.UTF8.GetString(OutputJson.Serialize(SampleAlert()));
        Assert.Equal(
            """{"schemaVersion":1,"alertId":"38e9662bb9728c96de6bdafc6c555a03","customerId":"c-000042","kind":"frequency_decline","severity":"high","detectedAt":"2025-07-14T00:00:00Z","metrics":{"current":0.033333,"baseline":0.133333,"ratio":0.25,"threshold":0.5,"unit":"purchases_per_day"},"segments":{"value":"high","lifecycle":"loyal","activity":"declining","sentiment":"neutral","source":"unknown"},"customer":{"lifetimeSpend":1234.5,"orders":27,"firstPurchaseAt":"2024-01-02T03:04:05Z","lastPurchaseAt":"2025-06-01T10:15:00.250Z","trailingSpend":1100.25,"trailingPurchases":12},"pAlive":null,"expectedPurchases":null,"expectedValue":null}""",
            json);
    }

    [Fact]
    public void Inactivity_alert_carries_its_stage_and_nulls_for_missing_values()
    {
        var a = SampleAlert() with
        {
            Kind = AlertKind.Inactivity, Stage = "silent",
            Metrics = new AlertMetrics(60, null, null, 60, "days_without_purchase"),
            Customer = new CustomerSnapshot(0, 0, CustomerProfile.None, CustomerProfile.None, 0, 0),
        };
        var json = Encoding.UTF8.GetString(OutputJson.Serialize(a));
        Assert.Contains("\"kind\":\"inactivity\",\"stage\":\"silent\",\"severity\":\"high\"", json);
        Assert.Contains("\"metrics\":{\"current\":60,\"baseline\":null,\"ratio\":null,\"threshold\":60,\"unit\":\"days_without_purchase\"}", json);
        Assert.Contains("\"firstPurchaseAt\":null,\"lastPurchaseAt\":null", json);
    }

    [Fact]
    public void Segment_change_is_serialized_exactly_as_the_contract_shows()
    {
        var change = new SegmentChange("c-000042", July14,
            [new SegmentTransition(SegmentDimension.Activity, "active", "declining")], HighLoyalDeclining);
        Assert.Equal(
            """{"schemaVersion":1,"customerId":"c-000042","changedAt":"2025-07-14T00:00:00Z","changes":[{"dimension":"activity","from":"active","to":"declining"}],"segments":{"value":"high","lifecycle":"loyal","activity":"declining","sentiment":"neutral","source":"unknown"}}""",
            Encoding.UTF8.GetString(OutputJson.Serialize(change)));
    }

    [Fact]
    public void First_classification_is_serialized_as_a_change_from_null()
    {
        var set = new SegmentSet(ValueTier.Low, Lifecycle.New, ActivityStatus.Active);
        var change = new SegmentChange("c-1", July14, SegmentPolicy.Diff(null, set), set);
        Assert.Equal(
            """{"schemaVersion":1,"customerId":"c-1","changedAt":"2025-07-14T00:00:00Z","changes":[{"dimension":"value","from":null,"to":"low"},{"dimension":"lifecycle","from":null,"to":"new"},{"dimension":"activity","from":null,"to":"active"},{"dimension":"sentiment","from":null,"to":"neutral"},{"dimension":"source","from":null,"to":"unknown"}],"segments":{"value":"low","lifecycle":"new","activity":"active","sentiment":"neutral","source":"unknown"}}""",
            Encoding.UTF8.GetString(OutputJson.Serialize(change)));
    }

    [Fact]
    public void Alert_with_model_and_advice_appends_the_added_fields_after_the_version_1_fields()
    {
        var a = SampleAlert() with
        {
            Segments = HighLoyalDeclining with { Sentiment = Sentiment.Dissatisfied, Source = AcquisitionSource.Referral },
            Model = new Scoring.ModelScore(0.4213456, 1.25, 80.5, new Scoring.ModelInputs(5, 10, 20, 42)),
            Advice = new Advice.AlertAdvice(Advice.SuspectedReason.Service,
                new Advice.ReasonEvidence(2, 1.5, 0.9, 0.25, Events.StatedReason.Price, July14 - 86_400_000),
                "apology, compensation and account-manager call", 1),
        };
        var json = Encoding.UTF8.GetString(OutputJson.Serialize(a));
        Assert.EndsWith(
            ""","segments":{"value":"high","lifecycle":"loyal","activity":"declining","sentiment":"dissatisfied","source":"referral"},"customer":{"lifetimeSpend":1234.5,"orders":27,"firstPurchaseAt":"2024-01-02T03:04:05Z","lastPurchaseAt":"2025-06-01T10:15:00.250Z","trailingSpend":1100.25,"trailingPurchases":12},"pAlive":0.421346,"expectedPurchases":1.25,"expectedValue":80.5,"suspectedReason":"service","evidence":{"complaints":2,"avgFeedback":1.5,"interactionRatio":0.9,"purchaseRatio":0.25,"statedReason":"price","serviceSignalAt":"2025-07-13T00:00:00Z"},"recommendedAction":"apology, compensation and account-manager call","priority":1}""",
            json);
        // every field of version 1 is where it was: the added ones come after them (a compatible change)
        Assert.StartsWith("""{"schemaVersion":1,"alertId":""", json);
    }

    [Fact]
    public void Records_serialized_one_after_another_on_one_thread_each_stand_alone()
    {
        var change = new SegmentChange("c-000042", July14,
            [new SegmentTransition(SegmentDimension.Activity, "active", "declining"), new SegmentTransition(SegmentDimension.Value, null, "high")],
            HighLoyalDeclining);
        var alertAlone = OutputJson.Serialize(SampleAlert());
        var changeAlone = OutputJson.Serialize(change);

        var interleaved = Enumerable.Range(0, 6).Select(i => i % 2 == 0 ? OutputJson.Serialize(SampleAlert()) : OutputJson.Serialize(change)).ToList();

        Assert.All(interleaved.Where((_, i) => i % 2 == 0), bytes => Assert.Equal(alertAlone, bytes));
        Assert.All(interleaved.Where((_, i) => i % 2 == 1), bytes => Assert.Equal(changeAlone, bytes));
        Assert.Contains("\"changes\":[{\"dimension\":\"activity\",\"from\":\"active\",\"to\":\"declining\"},{\"dimension\":\"value\",\"from\":null,\"to\":\"high\"}]",
            Encoding.UTF8.GetString(changeAlone));
    }

    [Fact]
    public void Identical_decisions_give_identical_bytes()
    {
        var a = OutputJson.Serialize(SampleAlert());
        var b = OutputJson.Serialize(SampleAlert());
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void Alert_id_is_a_pure_function_of_customer_kind_stage_and_time()
    {
        var id = AlertIdentity.For("c-000042", AlertKind.FrequencyDecline, July14, null);
        Assert.Equal("38e9662bb9728c96de6bdafc6c555a03", id);
        Assert.Equal(id, AlertIdentity.For("c-000042", AlertKind.FrequencyDecline, July14, null));
        string[] others =
        [
            AlertIdentity.For("c-000043", AlertKind.FrequencyDecline, July14, null),
            AlertIdentity.For("c-000042", AlertKind.SpendDecline, July14, null),
            AlertIdentity.For("c-000042", AlertKind.FrequencyDecline, July14 + 1, null),
            AlertIdentity.For("c-000042", AlertKind.Inactivity, July14, "silent"),
            AlertIdentity.For("c-000042", AlertKind.Inactivity, July14, "lost"),
        ];
        Assert.Equal(others.Length + 1, others.Append(id).Distinct().Count());
        Assert.All(others.Append(id), x => Assert.Matches("^[0-9a-f]+$", x));
    }

    [Fact]
    public void Alert_ids_are_the_same_when_the_same_input_is_processed_again()
    {
        var events = Ev.Purchases("c1", 0, 120, 7).Concat(Ev.Purchases("c1", 120, 200, 30)).Append(Ev.Tick(330)).ToList();
        var first = Driver.Run(events).Sink.Alerts.Select(a => a.AlertId).ToList();
        var second = Driver.Run(events).Sink.Alerts.Select(a => a.AlertId).ToList();
        Assert.NotEmpty(first);
        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Distinct().Count());
    }

    [Theory]
    [InlineData(0L, "1970-01-01T00:00:00Z")]
    [InlineData(1_740_824_100_000L, "2025-03-01T10:15:00Z")]
    [InlineData(1_740_824_100_007L, "2025-03-01T10:15:00.007Z")]
    public void Times_are_written_in_UTC_with_milliseconds_only_when_non_zero(long ms, string text) =>
        Assert.Equal(text, Time.EventTime.Format(ms));
}
