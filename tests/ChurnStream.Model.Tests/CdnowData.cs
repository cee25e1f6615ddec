using System.Globalization;
using ChurnStream.Model;

namespace ChurnStream.Model.Tests;

/// <summary>
/// The CDNOW files of the shared data folder (never copied into the repository): found through the environment variable
/// CHURNSTREAM_SHARED_DIR, or by walking up from the test binaries to a directory that holds shared/data/cdnow
/// (the shared folder is a sibling of the repository root).
/// </summary>
public static class CdnowData
{
    public static readonly DateOnly CalibrationEnd = new(1997, 9, 30);
    public static readonly DateOnly HoldoutEnd = new(1998, 6, 30);

    private static readonly Lazy<string> Directory = new(Locate);
    private static readonly Lazy<IReadOnlyList<Transaction>> SampleTransactions = new(() => TransactionReaders.ReadFile(SamplePath, "cdnow"));
    private static readonly Lazy<IReadOnlyList<CustomerSummary>> SampleSummaries = new(() => TransactionSummarizer.Summarize(Sample, CalibrationEnd));
    private static readonly Lazy<BgNbdModel> SampleFit = new(() => BgNbdModel.Fit(Summaries));

    public static string SamplePath => Path.Combine(Directory.Value, "CDNOW_sample.txt");
    public static string SummaryPath => Path.Combine(Directory.Value, "cdnow_customers_summary.csv");
    public static string SummaryWithSpendPath => Path.Combine(Directory.Value, "cdnow_customers_summary_with_transactions.csv");

    public static IReadOnlyList<Transaction> Sample => SampleTransactions.Value;
    public static IReadOnlyList<CustomerSummary> Summaries => SampleSummaries.Value;
    public static BgNbdModel FittedModel => SampleFit.Value;

    /// <summary>Rows of a published summary CSV (header skipped), split on commas.</summary>
    public static IEnumerable<string[]> PublishedRows(string path)
        => File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Trim().Split(','));

    public static double ParseInvariant(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static string Locate()
    {
        var fromEnv = Environment.GetEnvironmentVariable("CHURNSTREAM_SHARED_DIR");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            var candidate = Path.Combine(fromEnv, "data", "cdnow");
            if (System.IO.Directory.Exists(candidate)) return candidate;
            throw new InvalidOperationException($"CHURNSTREAM_SHARED_DIR={fromEnv} has no data/cdnow folder");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "data", "cdnow");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException(
            $"CDNOW data not found: no shared/data/cdnow above {AppContext.BaseDirectory}; set CHURNSTREAM_SHARED_DIR to the shared folder");
    }
}
