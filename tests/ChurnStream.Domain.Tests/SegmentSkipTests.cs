using ChurnStream.Domain.Events;
using ChurnStream.Domain.Profiles;
using ChurnStream.Domain.Segments;
using ChurnStream.Domain.Tests.Support;
using ChurnStream.Domain.Time;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ChurnStream.Domain.Tests;

/// <summary>
/// The engine skips classifying a customer's segments after an event that only counts as an interaction in the bucket they
/// were classified in. That is only sound while the published set is what classifying would give at any instant of
/// that bucket: checked here after every event and every <c>customers</c> record.
/// </summary>
public class SegmentSkipTests
{
    private static readonly long Lateness = (long)(Population.Options().AllowedLatenessHours * EventTime.MillisPerHour);

    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue).ToArbitrary();

    [Property(MaxTest = 60)]
    public Property Published_segments_hold_for_the_whole_bucket_they_are_kept_for() =>
        Prop.ForAll(Seeds, Seeds, (populationSeed, arrivalSeed) =>
        {
            var (options, _) = Population.Variant(0);
            var clock = new BucketClock(options);
            var driver = new Driver(options);
            var r = new Random(arrivalSeed);
            var kept = 0;
            foreach (var (e, _, _) in Population.Arrivals(Population.Generate(populationSeed), arrivalSeed, Lateness))
            {
                driver.Feed(e);
                if (r.NextDouble() < 0.02)
                    driver.Attributes(new CustomerAttributes(e.CustomerId, (AcquisitionSource)r.Next(0, 4), Deleted: r.NextDouble() < 0.3));
                foreach (var p in driver.Engine.Profiles.Values)
                {
                    var ahead = p.SegmentsBucketAfterHead;
                    if (ahead < 0) continue;
                    kept++;
                    Assert.True(p.HasSegments);
                    var bucketStart = (p.Activity.Head + ahead) * clock.BucketMs;
                    Assert.Equal(SegmentPolicy.Classify(p, bucketStart, clock, options), p.Segments);
                    Assert.Equal(SegmentPolicy.Classify(p, bucketStart + clock.BucketMs - 1, clock, options), p.Segments);
                }
            }
            Assert.True(kept > 0, "no profile ever kept its segments: the property checked nothing");
        });

    [Property(MaxTest = 20)]
    public Property Segments_are_classified_after_every_event_when_the_tier_depends_on_more_than_the_profile() =>
        Prop.ForAll(Seeds, Gen.Elements(true, false).ToArbitrary(), (seed, byModel) =>
        {
            // The model's expected value moves with every instant; other customers move the quantile sketch.
            var (options, model) = Population.Variant(byModel ? 1 : 2);
            if (!byModel) model = null;
            var driver = new Driver(options, model: model);
            foreach (var e in Population.Generate(seed).OrderBy(e => e.OccurredAtMs))
            {
                driver.Feed(e);
                Assert.All(driver.Engine.Profiles.Values, p => Assert.Equal(-1, p.SegmentsBucketAfterHead));
            }
        });

    [Fact]
    public void A_new_model_makes_every_customer_classify_again()
    {
        var driver = new Driver(Population.Options());
        driver.Feed(Ev.Purchases("c1", 0, 60, 3)).Feed(Ev.Visits("c1", 0, 60, 1)).Feed(Ev.Tick(61));
        Assert.True(driver.Profile("c1").SegmentsBucketAfterHead >= 0);

        driver.Engine.SetModel(TestModel.Create());

        Assert.Equal(-1, driver.Profile("c1").SegmentsBucketAfterHead);
    }

    [Theory]
    [InlineData(EventKind.Visit, true)]
    [InlineData(EventKind.EmailClick, true)]
    [InlineData(EventKind.Purchase, false)]
    [InlineData(EventKind.Complaint, false)]
    [InlineData(EventKind.SupportTicket, false)]
    [InlineData(EventKind.Feedback, false)]
    [InlineData(EventKind.Unsubscribe, false)]
    public void Only_plain_interactions_can_leave_the_segments_as_they_are(EventKind kind, bool plain) =>
        Assert.Equal(plain, ProfileUpdater.CountsOnlyAsInteraction(kind));
}
