using ChurnStream.Domain.Scoring;
using ChurnStream.Model;

namespace ChurnStream.Domain.Tests.Support;

/// <summary>The CDNOW parameters (Fader, Hardie &amp; Lee 2005; Gamma-Gamma as the lifetimes library reproduces it), in weeks.</summary>
public static class TestModel
{
    public static readonly BgNbdModel BgNbd = new(0.2426, 4.4136, 0.7929, 2.4259);
    public static readonly GammaGammaModel GammaGamma = new(6.2496, 3.7442, 15.4435);

    public static ChurnModel Create(double horizonWeeks = 13) => new(BgNbd, GammaGamma, 7, horizonWeeks);
}
