using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

public class ModelFileTests
{
    private static ModelFile Sample(GammaGammaModel? gammaGamma) => ModelFile.Create(
        new BgNbdModel(0.24259, 4.41357, 0.79292, 2.42589, -9582.429),
        gammaGamma, 946, new DateOnly(1997, 9, 30),
        new DataRange(new DateOnly(1997, 1, 1), new DateOnly(1997, 9, 30)), 2357);

    [Fact]
    public void Model_file_round_trips_through_json()
    {
        var file = Sample(new GammaGammaModel(6.2488, 3.7447, 15.4475, -4003.5));

        var back = ModelFile.Parse(file.ToJson());

        Assert.Equal(file with { GammaGamma = null }, back with { GammaGamma = null });
        Assert.Equal(file.GammaGamma, back.GammaGamma);
        Assert.Equal(file.ToJson(), back.ToJson());
        Assert.Equal(new BgNbdModel(0.24259, 4.41357, 0.79292, 2.42589, -9582.429), back.ToBgNbd());
    }

    [Fact]
    public void Model_file_has_the_documented_top_level_fields_and_no_timestamp()
    {
        var json = Sample(null).ToJson();
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var root = doc.RootElement;

        Assert.Equal(0.24259, root.GetProperty("r").GetDouble());
        Assert.Equal(4.41357, root.GetProperty("alpha").GetDouble());
        Assert.Equal(0.79292, root.GetProperty("a").GetDouble());
        Assert.Equal(2.42589, root.GetProperty("b").GetDouble());
        Assert.Equal(-9582.429, root.GetProperty("logLikelihood").GetDouble());
        Assert.Equal(7, root.GetProperty("timeUnitDays").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, root.GetProperty("gammaGamma").ValueKind);
        Assert.Equal("1997-09-30", root.GetProperty("calibrationEnd").GetString());
        Assert.Equal("1997-01-01", root.GetProperty("dataRange").GetProperty("from").GetString());
        Assert.Equal(2357, root.GetProperty("customers").GetInt32());
        Assert.DoesNotContain("fitted", json, StringComparison.OrdinalIgnoreCase);
        Assert.Null(ModelFile.Parse(json).ToGammaGamma());
    }

    [Theory]
    [InlineData("{\"alpha\":1,\"a\":1,\"b\":1,\"calibrationEnd\":\"1997-09-30\"}")]
    [InlineData("{\"r\":-1,\"alpha\":1,\"a\":1,\"b\":1,\"calibrationEnd\":\"1997-09-30\"}")]
    [InlineData("{\"r\":1,\"alpha\":1,\"a\":1,\"b\":1,\"calibrationEnd\":\"30/09/1997\"}")]
    [InlineData("not json")]
    public void Invalid_model_files_are_rejected_with_the_file_name(string json)
    {
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Parse(json, "m.json"));

        Assert.StartsWith("m.json", e.Message);
    }
}
