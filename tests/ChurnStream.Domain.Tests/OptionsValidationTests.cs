using ChurnStream.Domain.Engine;
using ChurnStream.Domain.Options;

namespace ChurnStream.Domain.Tests;

public class OptionsValidationTests
{
    [Fact]
    public void Default_options_are_valid_and_match_the_specification()
    {
        var o = new DetectionOptions();
        Assert.Empty(o.Validate());
        Assert.Equal((5, 30, 90, 6.0), (o.BucketDays, o.CurrentWindowDays, o.BaselineWindowDays, o.AllowedLatenessHours));
        Assert.Equal((3, 1.5, 0.5, 0.8), (o.Frequency.MinBaselineCount, o.Frequency.MinExpectedCurrentCount, o.Frequency.RatioThreshold, o.Frequency.RecoveryRatio));
        Assert.Equal((6, 3.0), (o.Engagement.MinBaselineCount, o.Engagement.MinExpectedCurrentCount));
        Assert.Equal((60.0, 120.0), (o.Inactivity.SilentAfterDays, o.Inactivity.LostAfterDays));
        Assert.Equal((2, 2.0), (o.Dissatisfaction.ComplaintThreshold, o.Dissatisfaction.FeedbackScoreThreshold));
        Assert.Equal(120, o.HorizonDays);
    }

    public static TheoryData<Action<DetectionOptions>, string> Broken => new()
    {
        { o => o.BucketDays = 0, "Detection:BucketDays must be between 1 and 30 (is 0)." },
        { o => o.BucketDays = 31, "Detection:BucketDays must be between 1 and 30 (is 31)." },
        { o => o.CurrentWindowDays = 0, "Detection:CurrentWindowDays must be at least 1 (is 0)." },
        { o => o.BaselineWindowDays = -5, "Detection:BaselineWindowDays must be at least 1 (is -5)." },
        { o => o.CurrentWindowDays = 32, "Detection:CurrentWindowDays (32) must be a multiple of Detection:BucketDays (5)." },
        { o => o.BaselineWindowDays = 91, "Detection:BaselineWindowDays (91) must be a multiple of Detection:BucketDays (5)." },
        { o => o.BaselineWindowDays = 720, "Detection:CurrentWindowDays + Detection:BaselineWindowDays must be at most 730 days (is 750)." },
        { o => o.AllowedLatenessHours = -1, "Detection:AllowedLatenessHours must be between 0 and 168 (is -1)." },
        { o => o.AllowedLatenessHours = double.NaN, "Detection:AllowedLatenessHours must be between 0 and 168 (is NaN)." },
        { o => o.Frequency.MinBaselineCount = 0, "Detection:Frequency:MinBaselineCount must be at least 1 (is 0)." },
        { o => o.Spend.RatioThreshold = 1, "Detection:Spend:RatioThreshold must be between 0 and 1, exclusive (is 1)." },
        { o => o.Engagement.RecoveryRatio = 0.5, "Detection:Engagement:RecoveryRatio (0.5) must be greater than RatioThreshold (0.5)." },
        { o => o.Frequency.MinExpectedCurrentCount = -1, "Detection:Frequency:MinExpectedCurrentCount must be 0 or more (is -1)." },
        { o => o.Inactivity.SilentAfterDays = 0, "Detection:Inactivity:SilentAfterDays must be greater than 0 (is 0)." },
        { o => o.Inactivity.LostAfterDays = 60, "Detection:Inactivity:LostAfterDays (60) must be greater than SilentAfterDays (60)." },
        { o => o.CategoryInactivity["grocery"] = new InactivityOptions { SilentAfterDays = 30, LostAfterDays = 20 },
            "Detection:CategoryInactivity:grocery:LostAfterDays (20) must be greater than SilentAfterDays (30)." },
        { o => o.Dissatisfaction.ComplaintThreshold = 0, "Detection:Dissatisfaction:ComplaintThreshold must be at least 1 (is 0)." },
        { o => o.Dissatisfaction.FeedbackScoreThreshold = 5, "Detection:Dissatisfaction:FeedbackScoreThreshold must be between 1 and 5 (is 5)." },
        { o => o.Segments.HighMinSpend = 100, "Detection:Segments:HighMinSpend (100) must be greater than MediumMinSpend (250)." },
        { o => o.Segments.LoyalMinPurchases = 1, "Detection:Segments:LoyalMinPurchases must be at least 2 (is 1)." },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Each_problem_is_reported_as_a_sentence_naming_the_setting_and_its_value(Action<DetectionOptions> breakIt, string message)
    {
        var o = new DetectionOptions();
        breakIt(o);
        var errors = o.Validate();
        Assert.Contains(message, errors);
    }

    [Fact]
    public void Every_problem_is_reported_not_just_the_first()
    {
        var o = new DetectionOptions { CurrentWindowDays = 0, AllowedLatenessHours = 500 };
        o.Inactivity.SilentAfterDays = -1;
        Assert.Equal(3, o.Validate().Count);
    }

    [Fact]
    public void Engine_refuses_invalid_options_with_the_messages()
    {
        var o = new DetectionOptions { BucketDays = 7 };
        var ex = Assert.Throws<ArgumentException>(() => new PartitionEngine(o));
        Assert.Contains("Detection:CurrentWindowDays (30) must be a multiple of Detection:BucketDays (7).", ex.Message);
        Assert.Contains("Detection:BaselineWindowDays (90) must be a multiple of Detection:BucketDays (7).", ex.Message);
    }
}
