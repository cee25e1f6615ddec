namespace ChurnStream.Domain.Segments;

/// <summary>How a customer was acquired: the <c>source</c> segment dimension.</summary>
public enum AcquisitionSource : byte { Unknown = 0, Online, Offline, Referral, Advertising }

public static class AcquisitionSources
{
    /// <summary>
    /// A channel or source name to a source: <c>online</c>/<c>web</c>/<c>app</c>/<c>mobile</c>/<c>email</c> → online,
    /// <c>store</c>/<c>offline</c>/<c>pos</c>/<c>retail</c> → offline, <c>referral</c> → referral,
    /// <c>ads</c>/<c>advertising</c>/<c>paid</c> → advertising; anything else (or nothing) → unknown. Case-insensitive.
    /// </summary>
    public static AcquisitionSource FromName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return AcquisitionSource.Unknown;
        return name.Trim().ToLowerInvariant() switch
        {
            "online" or "web" or "app" or "mobile" or "email" or "e-mail" => AcquisitionSource.Online,
            "offline" or "store" or "pos" or "retail" or "shop" => AcquisitionSource.Offline,
            "referral" or "referrer" or "word_of_mouth" => AcquisitionSource.Referral,
            "ads" or "ad" or "advertising" or "paid" or "campaign" => AcquisitionSource.Advertising,
            _ => AcquisitionSource.Unknown,
        };
    }
}
