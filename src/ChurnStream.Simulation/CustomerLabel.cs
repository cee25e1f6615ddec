namespace ChurnStream.Simulation;

/// <summary>Ground truth of one simulated customer.</summary>
/// <param name="CustomerId">e.g. <c>c-000042</c>.</param>
/// <param name="Persona">One of <see cref="Personas.All"/>.</param>
/// <param name="OnsetDay">Day index (from the simulation start) at which the decline begins; null for stable personas.</param>
/// <param name="OnsetAt">Instant of the onset (midnight UTC of <paramref name="OnsetDay"/>); null for stable personas.</param>
public sealed record CustomerLabel(string CustomerId, string Persona, int? OnsetDay, DateTimeOffset? OnsetAt)
{
    /// <summary>True for the decline personas (the positives of the evaluation).</summary>
    public bool IsPositive => OnsetAt is not null;
}
