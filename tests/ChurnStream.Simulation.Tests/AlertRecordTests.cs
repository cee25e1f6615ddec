using System.Text;

namespace ChurnStream.Simulation.Tests;

public class AlertRecordTests
{
    private const string ContractExample =
        """
        {"schemaVersion":1,"alertId":"9f2c4e0b7a1d3c55","customerId":"c-000042","kind":"frequency_decline",
         "severity":"high","detectedAt":"2025-07-14T00:00:00Z",
         "metrics":{"current":0.0333,"baseline":0.1333,"ratio":0.25,"threshold":0.5,"unit":"purchases_per_day"},
         "segments":{"value":"high","lifecycle":"loyal","activity":"declining"},
         "customer":{"lifetimeSpend":1234.5,"orders":27,"firstPurchaseAt":"...","lastPurchaseAt":"...","kind":"not-this-one"}}
        """;

    [Fact]
    public void The_contract_example_parses_into_customer_kind_and_detection_time()
    {
        var alert = AlertRecord.Parse(Encoding.UTF8.GetBytes(ContractExample));
        Assert.Equal(new AlertRecord("c-000042", "frequency_decline", new DateTimeOffset(2025, 7, 14, 0, 0, 0, TimeSpan.Zero)), alert);
    }

    [Fact]
    public void Detection_times_with_an_offset_or_milliseconds_are_understood()
    {
        var alert = AlertRecord.Parse("""{"detectedAt":"2025-07-14T02:00:00.250+02:00","kind":"inactivity","customerId":"c-1"}"""u8);
        Assert.Equal(new DateTimeOffset(2025, 7, 14, 0, 0, 0, 250, TimeSpan.Zero), alert.DetectedAt);
    }

    [Theory]
    [InlineData("""{"kind":"inactivity","detectedAt":"2025-07-14T00:00:00Z"}""")]
    [InlineData("""{"customerId":"c-1","detectedAt":"2025-07-14T00:00:00Z"}""")]
    [InlineData("""{"customerId":"c-1","kind":"inactivity"}""")]
    [InlineData("""{"customerId":"c-1","kind":"inactivity","detectedAt":"yesterday"}""")]
    [InlineData("""{"customerId":42,"kind":"inactivity","detectedAt":"2025-07-14T00:00:00Z"}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"customerId":"c-1",""")]
    [InlineData("")]
    public void Malformed_alerts_are_rejected_with_a_format_exception(string json)
    {
        Assert.Throws<FormatException>(() => AlertRecord.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.False(AlertRecord.TryParse(Encoding.UTF8.GetBytes(json), out var alert));
        Assert.Null(alert);
    }
}
