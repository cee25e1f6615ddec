using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ChurnStream.Simulation.Tests;

public partial class InputContractTests
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex Timestamp();

    [GeneratedRegex(@"^-?\d+(\.\d{1,2})?$")]
    private static partial Regex Cents();

    private static readonly HashSet<string> EngagementTypes =
        ["visit", "login", "app_open", "email_open", "email_click", "support_ticket", "complaint", "feedback", "unsubscribe"];

    private static readonly HashSet<string> Categories = ["grocery", "fashion", "electronics", "home"];

    [Fact]
    public void Every_event_matches_the_input_contract()
    {
        var events = new PopulationGenerator(new GeneratorOptions { Customers = 400, Seed = 77, DuplicateRate = 0.05, UnkeyedRate = 0.05 }).GenerateEvents();
        var typesSeen = new HashSet<string>();
        foreach (var e in events)
        {
            using var doc = JsonDocument.Parse(e.Json);
            var root = doc.RootElement;
            Assert.Equal(JsonValueKind.Object, root.ValueKind);
            var text = Encoding.UTF8.GetString(e.Json);
            Assert.DoesNotContain("\n", text, StringComparison.Ordinal);

            var customerId = root.GetProperty("customerId");
            Assert.Equal(JsonValueKind.String, customerId.ValueKind);
            Assert.Equal(e.CustomerId, customerId.GetString());
            Assert.InRange(Encoding.UTF8.GetByteCount(e.CustomerId), 1, 256);

            var occurredAt = root.GetProperty("occurredAt").GetString()!;
            Assert.Matches(Timestamp(), occurredAt);
            Assert.Equal(e.OccurredAt, DateTimeOffset.Parse(occurredAt, CultureInfo.InvariantCulture));
            Assert.Equal(e.EventId, root.GetProperty("eventId").GetString());

            if (e.Topic == Topics.Purchases)
            {
                var amount = root.GetProperty("amount");
                Assert.Equal(JsonValueKind.Number, amount.ValueKind);
                Assert.Matches(Cents(), amount.GetRawText());
                Assert.True(double.IsFinite(amount.GetDouble()));
                Assert.True(amount.GetDecimal() > 0);
                Assert.Contains(root.GetProperty("channel").GetString(), new[] { "online", "store" });
                Assert.Contains(root.GetProperty("category").GetString()!, Categories);
                Assert.Equal("EUR", root.GetProperty("currency").GetString());
                Assert.Equal(JsonValueKind.String, root.GetProperty("orderId").ValueKind);
                Assert.False(root.TryGetProperty("type", out _));
                typesSeen.Add("purchase");
            }
            else
            {
                Assert.Equal(Topics.Engagements, e.Topic);
                var type = root.GetProperty("type").GetString()!;
                Assert.Contains(type, EngagementTypes);
                typesSeen.Add(type);
                if (root.TryGetProperty("score", out var score))
                {
                    Assert.Equal("feedback", type);
                    Assert.True(score.TryGetInt32(out int s));
                    Assert.InRange(s, 1, 5);
                }
                else
                {
                    Assert.NotEqual("feedback", type);
                }
                if (type == "complaint")
                    Assert.Equal("service", root.GetProperty("reason").GetString());
                Assert.False(root.TryGetProperty("amount", out _));
            }
        }
        Assert.Equal(new HashSet<string> { "purchase", "visit", "email_open", "feedback", "complaint" }, typesSeen);
    }

    [Fact]
    public void A_purchase_is_written_compactly_with_fields_in_a_fixed_order()
    {
        var purchase = Population.Events.First(e => e.Topic == Topics.Purchases && e.CustomerId == "c-000001" && !e.IsRedelivery);
        var text = Encoding.UTF8.GetString(purchase.Json);
        Assert.Matches(new Regex(@"^\{""customerId"":""c-000001"",""occurredAt"":""2025-01-\d\dT\d\d:\d\d:\d\dZ"",""eventId"":""e-20250101-1-0"",""amount"":\d+(\.\d{1,2})?,""orderId"":""o-20250101-1-0"",""currency"":""EUR"",""channel"":""(online|store)"",""category"":""[a-z]+""\}$"), text);
    }
}
