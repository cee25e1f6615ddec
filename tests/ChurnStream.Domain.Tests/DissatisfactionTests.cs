using ChurnStream.Domain.Rules;
using ChurnStream.Domain.Tests.Support;

namespace ChurnStream.Domain.Tests;

public class DissatisfactionTests
{
    [Fact]
    public void Complaints_in_the_current_window_raise_a_dissatisfaction_alert()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Complaint("c1", 12), Ev.Complaint("c1", 13), Ev.Tick(40)]);
        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.Dissatisfaction));
        Assert.Equal(Ev.At(16), alert.DetectedAtMs); // the next bucket boundary
        Assert.Equal(2, alert.Metrics.Current);
        Assert.Equal(2, alert.Metrics.Threshold);
        Assert.Equal("complaints", alert.Metrics.Unit);
    }

    [Fact]
    public void One_complaint_is_not_enough()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Complaint("c1", 12), Ev.Tick(60)]);
        Assert.Empty(d.AlertsFor("c1", AlertKind.Dissatisfaction));
    }

    [Fact]
    public void Complaints_further_apart_than_the_current_window_do_not_add_up()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Complaint("c1", 2), Ev.Complaint("c1", 40), Ev.Tick(90)]);
        Assert.Empty(d.AlertsFor("c1", AlertKind.Dissatisfaction));
    }

    [Fact]
    public void Poor_average_feedback_raises_a_dissatisfaction_alert()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Feedback("c1", 3, 1), Ev.Feedback("c1", 4, 3), Ev.Tick(30)]);
        var alert = Assert.Single(d.AlertsFor("c1", AlertKind.Dissatisfaction));
        Assert.Equal(2, alert.Metrics.Current);
        Assert.Equal("average_feedback_score", alert.Metrics.Unit);
    }

    [Fact]
    public void Fair_average_feedback_raises_nothing()
    {
        var d = Driver.Run([Ev.Purchase("c1", 0), Ev.Feedback("c1", 3, 1), Ev.Feedback("c1", 4, 4), Ev.Tick(30)]);
        Assert.Empty(d.AlertsFor("c1", AlertKind.Dissatisfaction));
    }

    [Fact]
    public void Dissatisfaction_fires_once_while_it_holds_and_again_after_it_clears()
    {
        var d = Driver.Run([
            Ev.Purchase("c1", 0), Ev.Complaint("c1", 12), Ev.Complaint("c1", 13), Ev.Complaint("c1", 20),
            Ev.Complaint("c1", 100), Ev.Complaint("c1", 101), Ev.Tick(140)]);
        var alerts = d.AlertsFor("c1", AlertKind.Dissatisfaction);
        Assert.Equal([Ev.At(16), Ev.At(106)], alerts.Select(a => a.DetectedAtMs));
    }
}
