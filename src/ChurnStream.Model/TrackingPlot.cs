using System.Globalization;
using System.Security;

namespace ChurnStream.Model;

/// <summary>Hand-written SVG of the cumulative tracking plot (actual vs predicted repeat purchases, calibration-end marker).</summary>
public static class TrackingPlot
{
    private const double Width = 800, Height = 480, Left = 80, Right = 30, Top = 50, Bottom = 60;

    public static void WriteSvg(TextWriter writer, IReadOnlyList<TrackingPoint> points, double calibrationEndTime, string timeUnitLabel, string title)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("Nothing to plot.", nameof(points));
        var maxX = Math.Max(points[^1].Time, 1e-9);
        var maxY = NiceCeiling(Math.Max(1.0, points.Max(p => Math.Max(p.ActualCumulative, p.PredictedCumulative))));
        double X(double v) => Left + v / maxX * (Width - Left - Right);
        double Y(double v) => Height - Bottom - v / maxY * (Height - Top - Bottom);

        writer.Write($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(Height)}\" viewBox=\"0 0 {F(Width)} {F(Height)}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        writer.Write($"<rect width=\"{F(Width)}\" height=\"{F(Height)}\" fill=\"white\"/>\n");
        writer.Write($"<text x=\"{F(Width / 2)}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\">{SecurityElement.Escape(title)}</text>\n");

        // Axes, ticks and grid.
        writer.Write($"<line x1=\"{F(Left)}\" y1=\"{F(Y(0))}\" x2=\"{F(Width - Right)}\" y2=\"{F(Y(0))}\" stroke=\"black\"/>\n");
        writer.Write($"<line x1=\"{F(Left)}\" y1=\"{F(Y(0))}\" x2=\"{F(Left)}\" y2=\"{F(Top)}\" stroke=\"black\"/>\n");
        var xStep = NiceStep(maxX / 8);
        for (var v = 0.0; v <= maxX + 1e-9; v += xStep)
        {
            writer.Write($"<line x1=\"{F(X(v))}\" y1=\"{F(Y(0))}\" x2=\"{F(X(v))}\" y2=\"{F(Y(0) + 5)}\" stroke=\"black\"/>\n");
            writer.Write($"<text x=\"{F(X(v))}\" y=\"{F(Y(0) + 20)}\" text-anchor=\"middle\">{F(v)}</text>\n");
        }
        var yStep = NiceStep(maxY / 6);
        for (var v = 0.0; v <= maxY + 1e-9; v += yStep)
        {
            writer.Write($"<line x1=\"{F(Left - 5)}\" y1=\"{F(Y(v))}\" x2=\"{F(Width - Right)}\" y2=\"{F(Y(v))}\" stroke=\"#dddddd\"/>\n");
            writer.Write($"<text x=\"{F(Left - 8)}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\">{F(v)}</text>\n");
        }
        writer.Write($"<text x=\"{F((Left + Width - Right) / 2)}\" y=\"{F(Height - 15)}\" text-anchor=\"middle\">{SecurityElement.Escape(timeUnitLabel)}</text>\n");
        writer.Write($"<text x=\"20\" y=\"{F((Top + Height - Bottom) / 2)}\" text-anchor=\"middle\" transform=\"rotate(-90 20 {F((Top + Height - Bottom) / 2)})\">cumulative repeat purchases</text>\n");

        // Calibration-end marker.
        var cx = X(Math.Clamp(calibrationEndTime, 0, maxX));
        writer.Write($"<line x1=\"{F(cx)}\" y1=\"{F(Y(0))}\" x2=\"{F(cx)}\" y2=\"{F(Top)}\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>\n");
        writer.Write($"<text x=\"{F(cx + 4)}\" y=\"{F(Top + 12)}\" fill=\"gray\">calibration end</text>\n");

        // Series.
        writer.Write($"<polyline fill=\"none\" stroke=\"black\" stroke-width=\"2\" points=\"{Points(points, p => p.ActualCumulative, X, Y)}\"/>\n");
        writer.Write($"<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 3\" points=\"{Points(points, p => p.PredictedCumulative, X, Y)}\"/>\n");

        // Legend.
        var lx = Left + 20;
        var ly = Top + 10;
        writer.Write($"<rect x=\"{F(lx - 8)}\" y=\"{F(ly - 8)}\" width=\"170\" height=\"48\" fill=\"white\" stroke=\"#999999\"/>\n");
        writer.Write($"<line x1=\"{F(lx)}\" y1=\"{F(ly + 6)}\" x2=\"{F(lx + 30)}\" y2=\"{F(ly + 6)}\" stroke=\"black\" stroke-width=\"2\"/>\n");
        writer.Write($"<text x=\"{F(lx + 38)}\" y=\"{F(ly + 10)}\">actual</text>\n");
        writer.Write($"<line x1=\"{F(lx)}\" y1=\"{F(ly + 26)}\" x2=\"{F(lx + 30)}\" y2=\"{F(ly + 26)}\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 3\"/>\n");
        writer.Write($"<text x=\"{F(lx + 38)}\" y=\"{F(ly + 30)}\">BG/NBD predicted</text>\n");
        writer.Write("</svg>\n");
    }

    private static string Points(IReadOnlyList<TrackingPoint> points, Func<TrackingPoint, double> value, Func<double, double> x, Func<double, double> y)
        => string.Join(" ", points.Select(p => $"{F(x(p.Time))},{F(y(value(p)))}"));

    private static string F(double v) => Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);

    private static double NiceStep(double rough)
    {
        if (!(rough > 0)) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var f = rough / magnitude;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * magnitude;
    }

    private static double NiceCeiling(double v)
    {
        var step = NiceStep(v / 6);
        return Math.Ceiling(v / step) * step;
    }
}
