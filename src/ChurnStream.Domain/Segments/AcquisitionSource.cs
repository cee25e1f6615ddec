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
        // Channels are few: remember each one's source (bounded; free-text channels beyond the bound are classified each time).
        if (Known.TryGetValue(name, out var known)) return known;
        var source = Classify(name);
        if (Known.Count < 256) Known.TryAdd(name, source);
        return source;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, AcquisitionSource> Known = new(StringComparer.Ordinal);

    private static AcquisitionSource Classify(string name)
    {
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
