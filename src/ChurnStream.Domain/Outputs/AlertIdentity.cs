using System.Security.Cryptography;
using System.Text;
using ChurnStream.Domain.Rules;

namespace ChurnStream.Domain.Outputs;

/// <summary>
/// Deterministic alert ids: the same customer, kind, stage and detection time always give the same id, so a
/// consumer that sees an alert twice (a replay, a redelivery) can drop the copy.
/// </summary>
public static class AlertIdentity
{
    public static string For(string customerId, AlertKind kind, long detectedAtMs, string? stage)
    {
        var text = $"churnstream.alert.v1|{customerId}|{kind.Name()}|{stage}|{detectedAtMs}";
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
