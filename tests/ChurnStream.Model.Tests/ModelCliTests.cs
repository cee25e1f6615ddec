using System.Globalization;
using System.Text.RegularExpressions;
using ChurnStream.Model;
using Xunit.Abstractions;

namespace ChurnStream.Model.Tests;

public sealed class ModelCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("churnstream-model-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Fit_writes_a_model_file_with_the_cdnow_parameters()
    {
        var modelPath = Path.Combine(_dir, "model.json");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ModelCli.Fit(CdnowData.SamplePath, "cdnow", CdnowData.CalibrationEnd, modelPath, stdout, stderr);

        output.WriteLine(stdout.ToString());
        Assert.Equal(0, code);
        Assert.Equal("", stderr.ToString());
        var file = ModelFile.ReadFile(modelPath);
        Assert.Equal(0.243, file.R, 0.0025);
        Assert.Equal(4.414, file.Alpha, 0.044);
        Assert.Equal(946, file.GammaGamma!.Customers);
        Assert.Equal(6.25, file.GammaGamma.P, 0.0625);
        Assert.Equal(2357, file.Customers);
        Assert.Equal(new DataRange(new DateOnly(1997, 1, 1), CdnowData.CalibrationEnd), file.DataRange);
    }

    [Fact]
    public void Fit_is_deterministic_and_defaults_the_calibration_end_to_the_last_transaction_day()
    {
        var first = Path.Combine(_dir, "a.json");
        var second = Path.Combine(_dir, "b.json");

        Assert.Equal(0, ModelCli.Fit(CdnowData.SamplePath, "cdnow", null, first, TextWriter.Null, TextWriter.Null));
        Assert.Equal(0, ModelCli.Fit(CdnowData.SamplePath, "cdnow", null, second, TextWriter.Null, TextWriter.Null));

        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        Assert.Equal(new DateOnly(1998, 6, 30), ModelFile.ReadFile(first).CalibrationEnd);
    }

    [Fact]
    public void Evaluate_on_cdnow_beats_the_naive_baseline()
    {
        var modelPath = Path.Combine(_dir, "model.json");
        var plotPath = Path.Combine(_dir, "tracking.svg");
        Assert.Equal(0, ModelCli.Fit(CdnowData.SamplePath, "cdnow", CdnowData.CalibrationEnd, modelPath, TextWriter.Null, TextWriter.Null));
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var code = ModelCli.Evaluate(modelPath, CdnowData.SamplePath, "cdnow", CdnowData.CalibrationEnd, CdnowData.HoldoutEnd, plotPath, stdout, stderr);

        output.WriteLine(stdout.ToString());
        Assert.Equal(0, code);
        Assert.Equal("", stderr.ToString());
        var lastLine = stdout.ToString().TrimEnd('\n', '\r').Split('\n')[^1].TrimEnd('\r');
        var match = Regex.Match(lastLine, @"^rmse=(\d+\.\d{4}) naive_rmse=(\d+\.\d{4}) auc=(\d\.\d{4}) recency_auc=(\d\.\d{4})$");
        Assert.True(match.Success, $"last line: {lastLine}");
        double Group(int i) => double.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture);
        Assert.True(Group(1) < Group(2), lastLine);
        Assert.InRange(Group(3), 0.5, 1.0);
        var svg = File.ReadAllText(plotPath);
        Assert.StartsWith("<svg", svg);
        Assert.Equal(2, Regex.Matches(svg, "<polyline").Count);
        System.Xml.Linq.XDocument.Parse(svg); // well-formed
    }

    [Fact]
    public void Evaluation_tracks_cumulative_repeat_purchases_and_conditional_expectations_on_cdnow()
    {
        var histories = TransactionSummarizer.GroupByCustomer(CdnowData.Sample);

        var e = HoldoutEvaluation.Compute(CdnowData.FittedModel, histories, CdnowData.CalibrationEnd, CdnowData.HoldoutEnd);

        Assert.Equal(2357, e.Customers);
        Assert.Equal(39.0, e.HoldoutLength);
        // The paper's tracking plot: predicted and actual cumulative repeat purchases agree within a few percent at week 78.
        var end = e.Tracking[^1];
        Assert.InRange(end.PredictedCumulative / end.ActualCumulative, 0.95, 1.05);
        // Holdout conditional expectations: close for the 1,411 customers with x = 0, a little low overall (as in the
        // paper's conditional-expectation figure).
        Assert.InRange(e.ByFrequency[0].PredictedMean / e.ByFrequency[0].ActualMean, 0.9, 1.1);
        Assert.InRange(e.PredictedTotal / e.ActualTotal, 0.8, 1.1);
        Assert.True(e.Rmse < e.NaiveRmse && e.Mae < e.NaiveMae);
    }

    [Fact]
    public void Area_under_curve_counts_ties_half()
    {
        Assert.Equal(1.0, HoldoutEvaluation.AreaUnderCurve(new[] { 0.1, 0.2, 0.9 }, new[] { false, false, true }));
        Assert.Equal(0.5, HoldoutEvaluation.AreaUnderCurve(new[] { 1.0, 1.0, 1.0, 1.0 }, new[] { false, true, false, true }));
        Assert.Equal(0.875, HoldoutEvaluation.AreaUnderCurve(new[] { 0.1, 0.5, 0.5, 0.9 }, new[] { false, true, false, true }));
        Assert.True(double.IsNaN(HoldoutEvaluation.AreaUnderCurve(new[] { 0.1 }, new[] { true })));
    }

    [Fact]
    public void Missing_input_file_is_a_one_line_error_with_exit_code_2()
    {
        var missing = Path.Combine(_dir, "nope.txt");
        var stderr = new StringWriter();

        var code = ModelCli.Fit(missing, "cdnow", null, Path.Combine(_dir, "m.json"), TextWriter.Null, stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: {missing}: file not found", stderr.ToString().TrimEnd());
    }

    [Fact]
    public void Bad_input_line_is_reported_with_file_and_line_and_exit_code_2()
    {
        var input = Path.Combine(_dir, "p.jsonl");
        File.WriteAllText(input, "{\"customerId\":\"c\",\"occurredAt\":\"2025-03-01T10:00:00Z\",\"amount\":1}\n{\"customerId\":\"c\"}\n");
        var stderr = new StringWriter();

        var code = ModelCli.Fit(input, "jsonl", null, Path.Combine(_dir, "m.json"), TextWriter.Null, stderr);

        Assert.Equal(2, code);
        Assert.Equal($"error: {input}:2: missing field 'occurredAt'", stderr.ToString().TrimEnd());
    }

    [Fact]
    public void Evaluate_rejects_a_missing_model_and_a_holdout_that_ends_before_the_calibration()
    {
        var stderr = new StringWriter();
        var model = Path.Combine(_dir, "missing.json");

        Assert.Equal(2, ModelCli.Evaluate(model, CdnowData.SamplePath, "cdnow", CdnowData.CalibrationEnd, CdnowData.HoldoutEnd, null, TextWriter.Null, stderr));
        Assert.Equal(2, ModelCli.Evaluate(model, CdnowData.SamplePath, "cdnow", CdnowData.HoldoutEnd, CdnowData.CalibrationEnd, null, TextWriter.Null, stderr));

        var lines = stderr.ToString().TrimEnd().Split('\n');
        Assert.Equal($"error: {model}: file not found", lines[0].TrimEnd('\r'));
        Assert.Contains("must be after the calibration end", lines[1]);
    }
}
