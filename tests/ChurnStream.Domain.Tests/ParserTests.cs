using System.Text;
using ChurnStream.Domain.Codec;
using ChurnStream.Domain.Events;

namespace ChurnStream.Domain.Tests;

public class ParserTests
{
    private static (bool Ok, CustomerEvent Evt, Rejection Rejection) Parse(string json, InputTopic topic)
    {
        var ok = EventParser.Default.TryParse(Encoding.UTF8.GetBytes(json), topic, out var e, out var r);
        return (ok, e, r);
    }

    [Fact]
    public void Valid_purchase_is_accepted_with_every_field()
    {
        var (ok, e, _) = Parse("""{"customerId":"c-1","occurredAt":"2025-03-01T10:15:00Z","amount":12.5,"eventId":"e-1","orderId":"o-9","currency":"EUR","channel":"web","category":"grocery"}""", InputTopic.Purchases);
        Assert.True(ok);
        Assert.Equal(new CustomerEvent("c-1", new DateTimeOffset(2025, 3, 1, 10, 15, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            EventKind.Purchase, 12.5, "e-1", "grocery", "web"), e);
    }

    [Fact]
    public void Negative_amount_is_accepted_as_a_refund()
    {
        var (ok, e, _) = Parse("""{"customerId":"c-1","occurredAt":"2025-03-01T10:15:00Z","amount":-20}""", InputTopic.Purchases);
        Assert.True(ok);
        Assert.True(e.IsRefund);
        Assert.Equal(-20, e.Amount);
    }

    [Fact]
    public void Offsets_are_converted_to_UTC()
    {
        var (ok1, plus, _) = Parse("""{"customerId":"c","occurredAt":"2025-03-01T11:15:00+01:00","amount":1}""", InputTopic.Purchases);
        var (ok2, minus, _) = Parse("""{"customerId":"c","occurredAt":"2025-03-01T05:15:00-05:00","type":"visit"}""", InputTopic.Engagements);
        Assert.True(ok1 && ok2);
        var expected = new DateTimeOffset(2025, 3, 1, 10, 15, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(expected, plus.OccurredAtMs);
        Assert.Equal(expected, minus.OccurredAtMs);
        Assert.Equal("2025-03-01T10:15:00Z", Time.EventTime.Format(plus.OccurredAtMs));
    }

    [Fact]
    public void Unknown_fields_are_ignored_whatever_their_shape()
    {
        var (ok, e, _) = Parse("""{"x":1,"customerId":"c","nested":{"a":[1,{"b":null}]},"occurredAt":"2025-03-01T10:15:00Z","type":"login","list":[true,false],"amount":"not-a-number"}""", InputTopic.Engagements);
        Assert.True(ok);
        Assert.Equal(EventKind.Login, e.Kind);
        Assert.Equal(0, e.Amount);
    }

    [Theory]
    [InlineData("visit", EventKind.Visit)]
    [InlineData("login", EventKind.Login)]
    [InlineData("app_open", EventKind.AppOpen)]
    [InlineData("email_open", EventKind.EmailOpen)]
    [InlineData("email_click", EventKind.EmailClick)]
    [InlineData("support_ticket", EventKind.SupportTicket)]
    [InlineData("complaint", EventKind.Complaint)]
    [InlineData("feedback", EventKind.Feedback)]
    [InlineData("unsubscribe", EventKind.Unsubscribe)]
    public void Every_engagement_type_of_the_contract_is_accepted(string type, EventKind kind)
    {
        var (ok, e, _) = Parse($$"""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"{{type}}"}""", InputTopic.Engagements);
        Assert.True(ok);
        Assert.Equal(kind, e.Kind);
    }

    [Fact]
    public void Feedback_keeps_its_score_and_reason()
    {
        var (ok, e, _) = Parse("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"feedback","score":2,"reason":" Price "}""", InputTopic.Engagements);
        Assert.True(ok);
        Assert.Equal((byte)2, e.Score);
        Assert.Equal(StatedReason.Price, e.Reason);
    }

    [Fact]
    public void Optional_fields_may_be_null()
    {
        var (ok, e, _) = Parse("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":3,"eventId":null,"category":null,"channel":null}""", InputTopic.Purchases);
        Assert.True(ok);
        Assert.Null(e.EventId);
        Assert.Null(e.Category);
    }

    [Theory]
    // not JSON / not an object
    [InlineData("not json at all", InputTopic.Purchases, RejectReason.InvalidJson)]
    [InlineData("", InputTopic.Purchases, RejectReason.InvalidJson)]
    [InlineData("[1,2,3]", InputTopic.Purchases, RejectReason.InvalidJson)]
    [InlineData("\"a string\"", InputTopic.Engagements, RejectReason.InvalidJson)]
    [InlineData("""{"customerId":"c","occurredAt":""", InputTopic.Purchases, RejectReason.InvalidJson)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":1}{}""", InputTopic.Purchases, RejectReason.InvalidJson)]
    [InlineData("""{"customerId":"c",,"occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidJson)]
    // missing required fields
    [InlineData("""{"occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.MissingField)]
    [InlineData("""{"customerId":"c","amount":1}""", InputTopic.Purchases, RejectReason.MissingField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z"}""", InputTopic.Purchases, RejectReason.MissingField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Engagements, RejectReason.MissingField)]
    // ill-typed or malformed fields
    [InlineData("""{"customerId":42,"occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":null,"occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"","occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"   ","occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"yesterday at noon Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":1740824100000,"amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-02-30T10:15:00Z","amount":1}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":"12.5"}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":null}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":1,"eventId":7}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":1,"category":["a"]}""", InputTopic.Purchases, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":7}""", InputTopic.Engagements, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"feedback","score":6}""", InputTopic.Engagements, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"feedback","score":0}""", InputTopic.Engagements, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"feedback","score":2.5}""", InputTopic.Engagements, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"feedback","score":"4"}""", InputTopic.Engagements, RejectReason.InvalidField)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"feedback","reason":3}""", InputTopic.Engagements, RejectReason.InvalidField)]
    // unknown engagement type
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"teleport"}""", InputTopic.Engagements, RejectReason.UnknownType)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"purchase"}""", InputTopic.Engagements, RejectReason.UnknownType)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","type":"Visit"}""", InputTopic.Engagements, RejectReason.UnknownType)]
    // absurd timestamps
    [InlineData("""{"customerId":"c","occurredAt":"1969-12-31T23:59:59Z","amount":1}""", InputTopic.Purchases, RejectReason.AbsurdTimestamp)]
    [InlineData("""{"customerId":"c","occurredAt":"2300-01-01T00:00:00Z","amount":1}""", InputTopic.Purchases, RejectReason.AbsurdTimestamp)]
    [InlineData("""{"customerId":"c","occurredAt":"9999-12-31T23:59:59Z","type":"visit"}""", InputTopic.Engagements, RejectReason.AbsurdTimestamp)]
    // non-finite amounts
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":1e400}""", InputTopic.Purchases, RejectReason.NonFiniteAmount)]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z","amount":-1e400}""", InputTopic.Purchases, RejectReason.NonFiniteAmount)]
    public void Bad_input_is_rejected_with_a_reason(string json, InputTopic topic, RejectReason reason)
    {
        var (ok, _, r) = Parse(json, topic);
        Assert.False(ok);
        Assert.Equal(reason, r.Reason);
        Assert.False(string.IsNullOrWhiteSpace(r.Detail));
    }

    [Theory]
    [InlineData("""{"occurredAt":"2025-03-01T10:15:00Z","amount":1}""", "customerId")]
    [InlineData("""{"customerId":"c","amount":1}""", "occurredAt")]
    [InlineData("""{"customerId":"c","occurredAt":"2025-03-01T10:15:00Z"}""", "amount")]
    public void Rejection_names_the_missing_field(string json, string field)
    {
        var (_, _, r) = Parse(json, InputTopic.Purchases);
        Assert.Contains($"'{field}'", r.Detail);
    }

    [Fact]
    public void Customer_id_may_be_256_bytes_but_not_257()
    {
        var ok256 = Parse($$"""{"customerId":"{{new string('x', 256)}}","occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases);
        var bad257 = Parse($$"""{"customerId":"{{new string('x', 257)}}","occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases);
        // 129 two-byte characters = 258 bytes although only 129 chars
        var badUtf8 = Parse($$"""{"customerId":"{{new string('é', 129)}}","occurredAt":"2025-03-01T10:15:00Z","amount":1}""", InputTopic.Purchases);
        Assert.True(ok256.Ok);
        Assert.Equal(RejectReason.InvalidField, bad257.Rejection.Reason);
        Assert.Equal(RejectReason.InvalidField, badUtf8.Rejection.Reason);
    }

    [Fact]
    public void Reject_reasons_have_stable_wire_names()
    {
        Assert.Equal(
            ["invalid_json", "missing_field", "invalid_field", "unknown_type", "absurd_timestamp", "non_finite_amount", "late"],
            Enum.GetValues<RejectReason>().Select(r => r.Name()).ToArray());
    }

    [Fact]
    public void Invalid_utf8_is_a_rejection_not_an_exception()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"customerId":"cX","occurredAt":"2025-03-01T10:15:00Z","amount":1}""");
        bytes[16] = 0xFF; // inside the customer id
        var ok = EventParser.Default.TryParse(bytes, InputTopic.Purchases, out _, out var r);
        Assert.False(ok);
        Assert.Equal(RejectReason.InvalidJson, r.Reason);
    }

    [Theory]
    [InlineData("""{"customerId":"c-1","occurredAt":"2025-03-01T10:15:00Z","amount":12.5,"eventId":"e-1","orderId":"o-9","currency":"EUR","channel":"web","category":"grocery"}""", InputTopic.Purchases)]
    [InlineData("""{"customerId":"c-1","occurredAt":"2025-03-01T10:15:00Z","amount":-1.5e2,"eventId":null,"x":true,"y":null,"z":0}""", InputTopic.Purchases)]
    [InlineData("""{"customerId":"c-1","occurredAt":"2025-03-01T10:15:00Z","eventId":"e-2","type":"feedback","score":2,"reason":" Price ","channel":"app"}""", InputTopic.Engagements)]
    public void Compact_messages_read_by_the_fast_path_give_the_event_of_the_general_reader(string json, InputTopic topic)
    {
        // Whitespace after the object sends the message through Utf8JsonReader; without it the flat fast path reads it.
        var fast = Parse(json, topic);
        var general = Parse(json + " ", topic);
        Assert.True(fast.Ok && general.Ok);
        Assert.Equal(general.Evt, fast.Evt);
    }
}
