using System.CommandLine;
using ChurnStream.Host.Hosting;
using ChurnStream.Simulation;

namespace ChurnStream.Host.Commands;

/// <summary><c>churnstream evaluate</c>: precision, recall and detection delay of alerts against generator labels.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var alerts = new Option<string>("--alerts") { Description = "Alerts as JSON Lines (the churn-alerts records)", Required = true };
        var labels = new Option<string>("--labels") { Description = "Labels CSV written by generate", Required = true };
        var command = new Command("evaluate", "Score alerts against the ground truth of a generated population") { alerts, labels };
        command.SetAction(parse =>
        {
            var alertPath = parse.GetValue(alerts)!;
            var labelPath = parse.GetValue(labels)!;
            foreach (var p in new[] { alertPath, labelPath })
                if (!File.Exists(p)) throw new ConfigurationProblem($"file '{p}' does not exist");
            var records = new List<AlertRecord>();
            var line = 0;
            foreach (var text in File.ReadLines(alertPath))
            {
                line++;
                if (string.IsNullOrWhiteSpace(text)) continue;
                if (!AlertRecord.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out var record))
                    throw new ConfigurationProblem($"{alertPath}:{line}: not an alert record");
                records.Add(record!);
            }
            IReadOnlyList<CustomerLabel> labelList;
            using (var r = new StreamReader(labelPath)) labelList = LabelsCsv.Read(r);
            Console.Out.WriteLine(AlertEvaluator.Evaluate(records, labelList).Render());
            return 0;
        });
        return command;
    }
}
