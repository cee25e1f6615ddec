using System.Globalization;

namespace ChurnStream.Model;

/// <summary>
/// The <c>churnstream model fit|evaluate</c> commands, free of any command-line library. Exit codes: 0 success,
/// 2 bad input (missing or malformed file, bad argument; one line on stderr naming the file and line), 1 when the
/// model cannot be fitted or evaluated numerically.
/// </summary>
public static class ModelCli
{
    public const int Success = 0;
    public const int NumericalFailure = 1;
    public const int InputError = 2;

    /// <summary>Time unit of the models written by <see cref="Fit"/> (weeks).</summary>
    public const int TimeUnitDays = 7;

    /// <summary>
    /// Fits BG/NBD on every customer whose first purchase is on or before the calibration end (default: the last
    /// transaction day) and Gamma-Gamma on the repeat buyers, and writes the model file to <paramref name="outputPath"/>.
    /// </summary>
    public static int Fit(string inputPath, string format, DateOnly? calibrationEnd, string outputPath, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return Run(stderr, () =>
        {
            var transactions = ReadTransactions(inputPath, format);
            var end = calibrationEnd ?? transactions.Max(t => t.Day);
            var histories = TransactionSummarizer.GroupByCustomer(transactions);
            var summaries = TransactionSummarizer.Summarize(histories, end, TimeUnitDays);
            if (summaries.Count == 0) throw new InputException($"{inputPath}: no customer made a first purchase on or before {Iso(end)}");

            var bgNbd = BgNbdModel.Fit(summaries);
            var repeatBuyers = summaries.Where(GammaGammaModel.IsUsable).ToArray();
            GammaGammaModel? gammaGamma = null;
            string? gammaGammaNote = null;
            if (repeatBuyers.Length < 2)
            {
                gammaGammaNote = $"Gamma-Gamma not fitted: {repeatBuyers.Length} repeat buyer(s)";
            }
            else
            {
                try
                {
                    gammaGamma = GammaGammaModel.Fit(repeatBuyers);
                }
                catch (ArithmeticException e)
                {
                    gammaGammaNote = $"Gamma-Gamma not fitted: {e.Message}";
                }
            }

            var used = transactions.Where(t => t.Day <= end).Select(t => t.Day).ToArray();
            var file = ModelFile.Create(bgNbd, gammaGamma, repeatBuyers.Length, end, new DataRange(used.Min(), used.Max()), summaries.Count, TimeUnitDays);
            file.WriteFile(outputPath);

            stdout.WriteLine($"input            {inputPath} ({transactions.Count} transactions, format {format})");
            stdout.WriteLine($"calibration      {Iso(file.DataRange!.From)} .. {Iso(end)}, time unit {TimeUnitDays} days");
            stdout.WriteLine($"customers        {summaries.Count} ({repeatBuyers.Length} repeat buyers)");
            stdout.WriteLine($"BG/NBD           r={N(bgNbd.R)} alpha={N(bgNbd.Alpha)} a={N(bgNbd.A)} b={N(bgNbd.B)} logLikelihood={N(bgNbd.LogLikelihood, 2)}");
            stdout.WriteLine(gammaGamma is null
                ? gammaGammaNote
                : $"Gamma-Gamma      p={N(gammaGamma.P)} q={N(gammaGamma.Q)} v={N(gammaGamma.V)} logLikelihood={N(gammaGamma.LogLikelihood, 2)}");
            stdout.WriteLine($"model written to {outputPath}");
        });
    }

    /// <summary>
    /// Evaluates a model file on the holdout period (calibrationEnd, holdoutEnd]: prints a table, optionally writes the
    /// SVG tracking plot, and ends with the line <c>rmse=R naive_rmse=N auc=A recency_auc=B</c>.
    /// </summary>
    public static int Evaluate(string modelPath, string inputPath, string format, DateOnly calibrationEnd, DateOnly holdoutEnd, string? plotPath, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        return Run(stderr, () =>
        {
            if (holdoutEnd <= calibrationEnd) throw new InputException($"the holdout end {Iso(holdoutEnd)} must be after the calibration end {Iso(calibrationEnd)}");
            if (!File.Exists(modelPath)) throw new InputException($"{modelPath}: file not found");
            var file = ModelFile.ReadFile(modelPath);
            var model = file.ToBgNbd();
            var transactions = ReadTransactions(inputPath, format);
            var histories = TransactionSummarizer.GroupByCustomer(transactions);
            if (!histories.Any(h => h.FirstPurchase <= calibrationEnd))
                throw new InputException($"{inputPath}: no customer made a first purchase on or before {Iso(calibrationEnd)}");
            var e = HoldoutEvaluation.Compute(model, histories, calibrationEnd, holdoutEnd, file.TimeUnitDays);
            var unit = file.TimeUnitDays == 7 ? "weeks" : $"units of {file.TimeUnitDays} days";

            stdout.WriteLine($"model            {modelPath}: r={N(model.R)} alpha={N(model.Alpha)} a={N(model.A)} b={N(model.B)} (calibrated to {Iso(file.CalibrationEnd)})");
            if (file.CalibrationEnd != calibrationEnd)
                stdout.WriteLine($"note             evaluating with calibration end {Iso(calibrationEnd)}, not the model's {Iso(file.CalibrationEnd)}");
            stdout.WriteLine($"holdout          {Iso(calibrationEnd.AddDays(1))} .. {Iso(holdoutEnd)} ({N(e.HoldoutLength, 2)} {unit})");
            stdout.WriteLine($"customers        {e.Customers} ({e.BuyersInHoldout} bought again in the holdout)");
            stdout.WriteLine();
            stdout.WriteLine($"{"",-24}{"BG/NBD",12}{"naive",12}{"actual",12}");
            stdout.WriteLine($"{"total repeat purchases",-24}{N(e.PredictedTotal, 1),12}{N(e.NaiveTotal, 1),12}{N(e.ActualTotal, 0),12}");
            stdout.WriteLine($"{"MAE per customer",-24}{N(e.Mae),12}{N(e.NaiveMae),12}");
            stdout.WriteLine($"{"RMSE per customer",-24}{N(e.Rmse),12}{N(e.NaiveRmse),12}");
            stdout.WriteLine($"{"AUC (bought again)",-24}{N(e.Auc),12}{"",12}   recency alone: {N(e.RecencyAuc)}");
            stdout.WriteLine();
            stdout.WriteLine("mean holdout purchases by calibration frequency x");
            stdout.WriteLine($"{"x",-6}{"customers",10}{"actual",10}{"BG/NBD",10}{"naive",10}");
            foreach (var g in e.ByFrequency)
                stdout.WriteLine($"{g.Label,-6}{g.Customers,10}{N(g.ActualMean, 3),10}{N(g.PredictedMean, 3),10}{N(g.NaiveMean, 3),10}");
            stdout.WriteLine();

            if (plotPath is not null)
            {
                using (var svg = new StreamWriter(plotPath, append: false, new System.Text.UTF8Encoding(false)))
                    TrackingPlot.WriteSvg(svg, e.Tracking, e.CalibrationEndTime, $"{unit} since {Iso(e.DataStart)}", "Cumulative repeat purchases: actual vs BG/NBD");
                stdout.WriteLine($"tracking plot written to {plotPath}");
            }
            stdout.WriteLine($"rmse={N(e.Rmse)} naive_rmse={N(e.NaiveRmse)} auc={N(e.Auc)} recency_auc={N(e.RecencyAuc)}");
        });
    }

    private static IReadOnlyList<Transaction> ReadTransactions(string inputPath, string format)
    {
        if (!TransactionReaders.IsKnownFormat(format))
            throw new InputException($"unknown input format '{format}' (expected {string.Join(", ", TransactionReaders.Formats)})");
        if (!File.Exists(inputPath)) throw new InputException($"{inputPath}: file not found");
        var transactions = TransactionReaders.ReadFile(inputPath, format);
        if (transactions.Count == 0) throw new InputException($"{inputPath}: no transactions");
        return transactions;
    }

    private static int Run(TextWriter stderr, Action body)
    {
        try
        {
            body();
            return Success;
        }
        catch (InputException e) { return Fail(stderr, e.Message, InputError); }
        catch (TransactionFormatException e) { return Fail(stderr, e.Message, InputError); }
        catch (ModelFileException e) { return Fail(stderr, e.Message, InputError); }
        catch (FileNotFoundException e) { return Fail(stderr, $"{e.FileName}: file not found", InputError); }
        catch (DirectoryNotFoundException e) { return Fail(stderr, e.Message, InputError); }
        catch (UnauthorizedAccessException e) { return Fail(stderr, e.Message, InputError); }
        catch (IOException e) { return Fail(stderr, e.Message, InputError); }
        catch (ArithmeticException e) { return Fail(stderr, $"model failure: {e.Message}", NumericalFailure); }
    }

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
        return code;
    }

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string N(double v, int decimals = 4) => v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private sealed class InputException(string message) : Exception(message);
}
