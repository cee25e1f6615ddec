using System.CommandLine;
using System.Globalization;
using ChurnStream.Model;

namespace ChurnStream.Host.Commands;

/// <summary><c>churnstream model fit|evaluate</c>: the BG/NBD and Gamma-Gamma customer-base model.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var model = new Command("model", "Fit and evaluate the BG/NBD + Gamma-Gamma customer-base model");
        model.Subcommands.Add(Fit());
        model.Subcommands.Add(Evaluate());
        return model;
    }

    private static Option<string> Format() => new("--format")
    {
        Description = "Input format: cdnow, jsonl (the purchases topic format) or csv (customerId,occurredAt,amount)",
        DefaultValueFactory = _ => "jsonl",
    };

    private static Command Fit()
    {
        var input = new Option<string>("--input") { Description = "Transactions file", Required = true };
        var format = Format();
        var calibrationEnd = new Option<string?>("--calibration-end") { Description = "Last day of the calibration period (YYYY-MM-DD; default: the last transaction day)" };
        var output = new Option<string>("--output") { Description = "Model file to write", Required = true };
        var command = new Command("fit", "Fit the model by maximum likelihood and write a model file") { input, format, calibrationEnd, output };
        command.SetAction(parse => ModelCli.Fit(parse.GetValue(input)!, parse.GetValue(format)!,
            ParseDate(parse.GetValue(calibrationEnd), "--calibration-end"), parse.GetValue(output)!, Console.Out, Console.Error));
        return command;
    }

    private static Command Evaluate()
    {
        var modelPath = new Option<string>("--model") { Description = "Model file written by fit", Required = true };
        var input = new Option<string>("--input") { Description = "Transactions file", Required = true };
        var format = Format();
        var calibrationEnd = new Option<string>("--calibration-end") { Description = "Last day of the calibration period", Required = true };
        var holdoutEnd = new Option<string>("--holdout-end") { Description = "Last day of the holdout period", Required = true };
        var plot = new Option<string?>("--plot") { Description = "Write the tracking plot (cumulative repeat purchases by week) as SVG" };
        var command = new Command("evaluate", "Compare predicted and actual repeat purchases over a holdout period")
        {
            modelPath, input, format, calibrationEnd, holdoutEnd, plot,
        };
        command.SetAction(parse => ModelCli.Evaluate(parse.GetValue(modelPath)!, parse.GetValue(input)!, parse.GetValue(format)!,
            ParseDate(parse.GetValue(calibrationEnd), "--calibration-end")!.Value, ParseDate(parse.GetValue(holdoutEnd), "--holdout-end")!.Value,
            parse.GetValue(plot), Console.Out, Console.Error));
        return command;
    }

    private static DateOnly? ParseDate(string? text, string option) =>
        text is null ? null
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d
        : throw new Hosting.ConfigurationProblem($"{option} '{text}' is not a date of the form YYYY-MM-DD");
}
