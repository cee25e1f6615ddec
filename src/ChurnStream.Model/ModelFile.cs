using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChurnStream.Model;

/// <summary>Gamma-Gamma parameters as stored in a model file.</summary>
public sealed record GammaGammaParameters(
    [property: JsonPropertyName("p")] double P,
    [property: JsonPropertyName("q")] double Q,
    [property: JsonPropertyName("v")] double V,
    [property: JsonPropertyName("logLikelihood")] double? LogLikelihood = null,
    [property: JsonPropertyName("customers")] int? Customers = null);

/// <summary>First and last transaction day used for the fit.</summary>
public sealed record DataRange(
    [property: JsonPropertyName("from")] DateOnly From,
    [property: JsonPropertyName("to")] DateOnly To);

/// <summary>Thrown when a model file cannot be read or is invalid.</summary>
public sealed class ModelFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The fitted-model file (JSON): top-level BG/NBD parameters <c>r</c>, <c>alpha</c>, <c>a</c>, <c>b</c>, their
/// <c>logLikelihood</c>, <c>timeUnitDays</c>, <c>gammaGamma</c> {p, q, v} (null when not fitted), <c>calibrationEnd</c>,
/// <c>dataRange</c> {from, to} (transaction days used for the fit) and <c>customers</c>. No wall-clock time: the same input
/// gives a byte-identical file.
/// </summary>
public sealed record ModelFile
{
    [JsonPropertyName("r")] public required double R { get; init; }
    [JsonPropertyName("alpha")] public required double Alpha { get; init; }
    [JsonPropertyName("a")] public required double A { get; init; }
    [JsonPropertyName("b")] public required double B { get; init; }
    [JsonPropertyName("logLikelihood")] public double? LogLikelihood { get; init; }
    [JsonPropertyName("timeUnitDays")] public int TimeUnitDays { get; init; } = 7;
    [JsonPropertyName("gammaGamma")] public GammaGammaParameters? GammaGamma { get; init; }
    [JsonPropertyName("calibrationEnd")] public required DateOnly CalibrationEnd { get; init; }
    [JsonPropertyName("dataRange")] public DataRange? DataRange { get; init; }
    [JsonPropertyName("customers")] public int Customers { get; init; }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NewLine = "\n",
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.Strict,
        RespectRequiredConstructorParameters = true,
    };

    public static ModelFile Create(BgNbdModel bgNbd, GammaGammaModel? gammaGamma, int gammaGammaCustomers, DateOnly calibrationEnd,
        DataRange? dataRange, int customers, int timeUnitDays = 7)
    {
        ArgumentNullException.ThrowIfNull(bgNbd);
        return new ModelFile
        {
            R = bgNbd.R,
            Alpha = bgNbd.Alpha,
            A = bgNbd.A,
            B = bgNbd.B,
            LogLikelihood = FiniteOrNull(bgNbd.LogLikelihood),
            TimeUnitDays = timeUnitDays,
            GammaGamma = gammaGamma is null ? null : new GammaGammaParameters(gammaGamma.P, gammaGamma.Q, gammaGamma.V, FiniteOrNull(gammaGamma.LogLikelihood), gammaGammaCustomers),
            CalibrationEnd = calibrationEnd,
            DataRange = dataRange,
            Customers = customers,
        };
    }

    public BgNbdModel ToBgNbd() => new(R, Alpha, A, B, LogLikelihood ?? double.NaN);

    private static double? FiniteOrNull(double value) => double.IsFinite(value) ? value : null;

    public GammaGammaModel? ToGammaGamma() => GammaGamma is null ? null : new GammaGammaModel(GammaGamma.P, GammaGamma.Q, GammaGamma.V, GammaGamma.LogLikelihood ?? double.NaN);

    public string ToJson() => JsonSerializer.Serialize(this, Options) + "\n";

    public void Write(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(ToJson());
    }

    public void WriteFile(string path) => File.WriteAllText(path, ToJson(), new System.Text.UTF8Encoding(false));

    /// <summary>Parses and validates a model file; throws <see cref="ModelFileException"/> naming <paramref name="sourceName"/>.</summary>
    public static ModelFile Parse(string json, string sourceName = "<model>")
    {
        ArgumentNullException.ThrowIfNull(json);
        ModelFile? file;
        try
        {
            file = JsonSerializer.Deserialize<ModelFile>(json, Options);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{sourceName}:{line + 1}" : sourceName;
            throw new ModelFileException($"{where}: invalid model file ({e.Message.Split(". ")[0].TrimEnd('.')})", e);
        }
        if (file is null) throw new ModelFileException($"{sourceName}: invalid model file (null)");
        try
        {
            _ = file.ToBgNbd();
            _ = file.ToGammaGamma();
        }
        catch (ArgumentException e)
        {
            throw new ModelFileException($"{sourceName}: invalid model parameters ({e.Message.Split(" (Parameter")[0]})", e);
        }
        if (file.TimeUnitDays < 1) throw new ModelFileException($"{sourceName}: timeUnitDays must be at least 1");
        return file;
    }

    public static ModelFile Read(TextReader reader, string sourceName = "<model>")
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Parse(reader.ReadToEnd(), sourceName);
    }

    public static ModelFile ReadFile(string path) => Parse(File.ReadAllText(path), path);
}
