using ChurnStream.Domain.Events;
using ChurnStream.Domain.Options;
using ChurnStream.Domain.Time;

namespace ChurnStream.Domain.Tests.Support;

/// <summary>Small random populations (a few customers over ~200 days) whose behaviour changes part-way, so that alerts happen.</summary>
public static class Population
{
    public const int Days = 200;

    public static DetectionOptions Options()
    {
        var o = new DetectionOptions();
        o.CategoryInactivity["grocery"] = new InactivityOptions { SilentAfterDays = 20, LostAfterDays = 50 };
        return o;
    }

    /// <summary>
    /// The three set-ups the properties run under: 0 = rules only; 1 = with the churn model (P(alive), churn_risk, model
    /// value tiers); 2 = the model and value tiers by the partition's quantile sketch (from the first customer on).
    /// </summary>
    public static (DetectionOptions Options, Scoring.ChurnModel? Model) Variant(int variant)
    {
        var o = Options();
        if (variant % 3 == 2)
        {
            o.Segments.TierBy = "quantiles";
            o.Segments.QuantileMinCustomers = 1;
        }
        return (o, variant % 3 == 0 ? null : TestModel.Create());
    }

    public static List<CustomerEvent> Generate(int seed)
    {
        var r = new Random(seed);
        var events = new List<CustomerEvent>();
        var customers = r.Next(2, 6);
        string?[] categories = [null, "grocery", "tv", "books"];
        for (var c = 0; c < customers; c++)
        {
            var id = $"c{c}";
            var n = 0;
            string? NextId() => r.NextDouble() < 0.85 ? $"{id}-e{n++}" : null;
            long Time(double day) => Ev.StartMs + (long)Math.Floor(day) * EventTime.MillisPerDay + r.Next(0, 24) * EventTime.MillisPerHour;

            // purchases: one rate, then another (slower, faster, or none) from a switch day
            var rate1 = 2 + r.NextDouble() * 18;
            var switchDay = 40 + r.Next(0, 120);
            var rate2 = r.Next(0, 4) switch { 0 => double.PositiveInfinity, 1 => rate1, 2 => rate1 * (2 + r.NextDouble() * 5), _ => rate1 / 2 };
            var start = r.Next(0, 40);
            var amount = 10 + r.Next(0, 300);
            for (double day = start; day < Days;)
            {
                var cat = categories[r.Next(categories.Length)];
                events.Add(new CustomerEvent(id, Time(day), EventKind.Purchase, Math.Round(amount * (0.5 + r.NextDouble()), 2), NextId(), cat, "web"));
                if (r.NextDouble() < 0.05)
                    events.Add(new CustomerEvent(id, Time(day + 2), EventKind.Purchase, -Math.Round(amount * 0.5, 2), NextId()));
                var gap = day < switchDay ? rate1 : rate2;
                if (double.IsInfinity(gap)) break;
                day += Math.Max(1, gap * (0.5 + r.NextDouble()));
            }
            // interactions
            var visitGap = 1 + r.NextDouble() * 6;
            var visitSwitch = r.Next(30, 180);
            var visitGap2 = visitGap * r.Next(1, 8);
            for (double day = r.Next(0, 10); day < Days; day += day < visitSwitch ? visitGap : visitGap2)
                events.Add(new CustomerEvent(id, Time(day), (EventKind)r.Next((int)EventKind.Visit, (int)EventKind.EmailClick + 1), 0, NextId()));
            // complaints, tickets, feedback
            for (var k = r.Next(0, 5); k > 0; k--)
            {
                var kind = r.Next(3) switch { 0 => EventKind.Complaint, 1 => EventKind.SupportTicket, _ => EventKind.Feedback };
                events.Add(new CustomerEvent(id, Time(r.Next(0, Days)), kind, 0, NextId(), Score: kind == EventKind.Feedback ? (byte)r.Next(1, 6) : (byte)0));
            }
            // some events at exactly the same instant as another event of the same customer
            for (var k = r.Next(0, 3); k > 0 && events.Count > 0; k--)
            {
                var twin = events[r.Next(events.Count)];
                if (twin.CustomerId == id) events.Add(twin with { EventId = NextId(), Amount = twin.IsPurchase ? twin.Amount + 1 : 0 });
            }
        }
        return events;
    }

    /// <summary>
    /// An arrival order in which no event arrives after an event more than the allowed lateness later than it: each event
    /// arrives at its event time plus a random delay below the lateness, ties in random order.
    /// </summary>
    public static List<(CustomerEvent Event, long Key, double Tie)> Arrivals(IEnumerable<CustomerEvent> events, int seed, long latenessMs)
    {
        var r = new Random(seed);
        return events.Select(e => (e, e.OccurredAtMs + (latenessMs == 0 ? 0 : r.NextInt64(0, latenessMs)), r.NextDouble()))
            .OrderBy(x => x.Item2).ThenBy(x => x.Item3).ToList();
    }

    /// <summary>Checks the arrival-order bound that the ordering properties rely on.</summary>
    public static void AssertWithinLatenessBound(IReadOnlyList<CustomerEvent> order, long latenessMs)
    {
        var max = long.MinValue;
        foreach (var e in order)
        {
            Assert.True(max == long.MinValue || max - e.OccurredAtMs < latenessMs, "generator broke the lateness bound");
            max = Math.Max(max, e.OccurredAtMs);
        }
    }
}
