namespace ChurnStream.Simulation;

/// <summary>Ranges of the per-customer parameters of a stable behaviour (loyal, regular, occasional).</summary>
internal sealed record BehaviourProfile(
    string Name,
    (double Lo, double Hi) PurchaseMeanDays,
    (double Lo, double Hi) PurchaseJitter,
    (double Lo, double Hi) AmountMean,
    (double Lo, double Hi) AmountJitter,
    (double Lo, double Hi) VisitMeanDays,
    (double Lo, double Hi) VisitJitter,
    (double Lo, double Hi) EmailMeanDays,
    (double Lo, double Hi) EmailJitter,
    (double Lo, double Hi)? FeedbackMeanDays,
    (double Lo, double Hi) FeedbackJitter)
{
    public static readonly BehaviourProfile Loyal = new(Personas.Loyal,
        PurchaseMeanDays: (5, 10), PurchaseJitter: (0.85, 1.15),
        AmountMean: (40, 120), AmountJitter: (0.85, 1.15),
        VisitMeanDays: (2, 4), VisitJitter: (0.8, 1.2),
        EmailMeanDays: (6.5, 7.5), EmailJitter: (0.85, 1.15),
        FeedbackMeanDays: (25, 35), FeedbackJitter: (0.8, 1.2));

    public static readonly BehaviourProfile Regular = new(Personas.Regular,
        PurchaseMeanDays: (12, 20), PurchaseJitter: (0.8, 1.2),
        AmountMean: (20, 80), AmountJitter: (0.8, 1.2),
        VisitMeanDays: (4, 7), VisitJitter: (0.8, 1.2),
        EmailMeanDays: (9, 12), EmailJitter: (0.8, 1.2),
        FeedbackMeanDays: (50, 70), FeedbackJitter: (0.8, 1.2));

    public static readonly BehaviourProfile Occasional = new(Personas.Occasional,
        PurchaseMeanDays: (25, 40), PurchaseJitter: (0.8, 1.2),
        AmountMean: (10, 60), AmountJitter: (0.75, 1.25),
        VisitMeanDays: (7, 14), VisitJitter: (0.8, 1.2),
        EmailMeanDays: (12, 16), EmailJitter: (0.8, 1.2),
        FeedbackMeanDays: null, FeedbackJitter: (0.8, 1.2));
}

/// <summary>Ranges of the decline parameters.</summary>
internal static class DeclineRanges
{
    public static readonly (double Lo, double Hi) FrequencyMultiplier = (3, 4);
    public static readonly (double Lo, double Hi) SpendFactor = (0.2, 0.35);
    public static readonly (double Lo, double Hi) EngagementMultiplier = (5, 8);
    public static readonly (double Lo, double Hi) SilentEmailMeanDays = (25, 40);
    public static readonly (double Lo, double Hi) SilentEmailJitter = (0.8, 1.2);
    public const int MinComplaints = 2, MaxComplaints = 4;
    public const double ComplaintWindowDays = 20;
    public const double MaxStartOffsetDays = 20;
}

/// <summary>All random parameters of one customer, drawn from its own parameter stream.</summary>
internal sealed record CustomerSpec
{
    public static readonly string[] Categories = ["grocery", "fashion", "electronics", "home"];

    public required int Index { get; init; }          // 0-based
    public required string CustomerId { get; init; }
    public required string Persona { get; init; }
    public required BehaviourProfile Profile { get; init; }
    public required int? OnsetDay { get; init; }
    public required double StartOffsetDays { get; init; }
    public required double PurchaseMeanDays { get; init; }
    public required double AmountMean { get; init; }
    public required double VisitMeanDays { get; init; }
    public required double EmailMeanDays { get; init; }
    public required double? FeedbackMeanDays { get; init; }
    public required double FrequencyMultiplier { get; init; }   // 1 unless frequency_decline
    public required double SpendFactor { get; init; }           // 1 unless spend_decline
    public required double EngagementMultiplier { get; init; }  // 1 unless engagement_decline
    public required double SilentEmailMeanDays { get; init; }
    public required double OnlineShare { get; init; }
    public required int FavouriteCategory { get; init; }
    public required bool PrefersApp { get; init; }
    public required int Complaints { get; init; }

    public const int ParamStream = 0, PurchaseStream = 1, VisitStream = 2, EmailStream = 3, FeedbackStream = 4, BurstStream = 5, DeliveryStream = 6, AttributeStream = 7;

    public static CustomerSpec Create(int seed, int index, string persona)
    {
        var rng = Prng.Create(seed, index, ParamStream);
        BehaviourProfile profile = persona switch
        {
            Personas.Loyal => BehaviourProfile.Loyal,
            Personas.Regular => BehaviourProfile.Regular,
            Personas.Occasional => BehaviourProfile.Occasional,
            _ => rng.Chance(0.5) ? BehaviourProfile.Loyal : BehaviourProfile.Regular,
        };
        // Draw every parameter unconditionally so that one parameter never shifts the others.
        double start = rng.Uniform(0, DeclineRanges.MaxStartOffsetDays);
        double purchaseMean = rng.Uniform(profile.PurchaseMeanDays.Lo, profile.PurchaseMeanDays.Hi);
        double amountMean = rng.Uniform(profile.AmountMean.Lo, profile.AmountMean.Hi);
        double visitMean = rng.Uniform(profile.VisitMeanDays.Lo, profile.VisitMeanDays.Hi);
        double emailMean = rng.Uniform(profile.EmailMeanDays.Lo, profile.EmailMeanDays.Hi);
        double feedbackDraw = rng.NextDouble();
        double freq = rng.Uniform(DeclineRanges.FrequencyMultiplier.Lo, DeclineRanges.FrequencyMultiplier.Hi);
        double spend = rng.Uniform(DeclineRanges.SpendFactor.Lo, DeclineRanges.SpendFactor.Hi);
        double engagement = rng.Uniform(DeclineRanges.EngagementMultiplier.Lo, DeclineRanges.EngagementMultiplier.Hi);
        double silentEmail = rng.Uniform(DeclineRanges.SilentEmailMeanDays.Lo, DeclineRanges.SilentEmailMeanDays.Hi);
        double online = rng.Uniform(0.2, 0.9);
        int category = rng.NextInt(0, Categories.Length - 1);
        bool app = rng.Chance(0.5);
        int complaints = rng.NextInt(DeclineRanges.MinComplaints, DeclineRanges.MaxComplaints);
        double onsetDraw = rng.NextDouble();
        return new CustomerSpec
        {
            Index = index,
            CustomerId = CustomerIdOf(index),
            Persona = persona,
            Profile = profile,
            OnsetDay = null, // set by WithOnset
            StartOffsetDays = start,
            PurchaseMeanDays = purchaseMean,
            AmountMean = amountMean,
            VisitMeanDays = visitMean,
            EmailMeanDays = emailMean,
            FeedbackMeanDays = profile.FeedbackMeanDays is { } f ? f.Lo + (f.Hi - f.Lo) * feedbackDraw : null,
            FrequencyMultiplier = persona == Personas.FrequencyDecline ? freq : 1,
            SpendFactor = persona == Personas.SpendDecline ? spend : 1,
            EngagementMultiplier = persona == Personas.EngagementDecline ? engagement : 1,
            SilentEmailMeanDays = silentEmail,
            OnlineShare = online,
            FavouriteCategory = category,
            PrefersApp = app,
            Complaints = complaints,
            OnsetDraw = onsetDraw,
        };
    }

    public required double OnsetDraw { get; init; }

    /// <summary>Onset day uniform in [150, days - 75] for decline personas.</summary>
    public CustomerSpec WithOnset(int days)
    {
        if (!Personas.IsDecline(Persona)) return this;
        int lo = Personas.EarliestOnsetDay, hi = days - Personas.OnsetMarginDays;
        int onset = lo + (int)Math.Min(hi - lo, Math.Floor(OnsetDraw * (hi - lo + 1)));
        return this with { OnsetDay = onset };
    }

    public static string CustomerIdOf(int index) => "c-" + (index + 1).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
}
