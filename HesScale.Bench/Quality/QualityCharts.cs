using ScottPlot;

namespace HesScale.Bench.Quality;

/// <summary>
/// The quality bar chart on a log axis (errors span four decades, and HesScale sits at 1): one bar
/// per method at the mean normalised error, one dot per seed, method names written under the bars.
/// Same size and atomic write as <see cref="Plotting.Charts"/>.
/// </summary>
public static class QualityCharts
{
    public static void LogBarsWithDots(string path, string title, string yLabel, IReadOnlyList<(string Name, double Mean, double[] Dots)> bars)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var rng = new Random(0);
        double floor = bars.SelectMany(b => b.Dots.Append(b.Mean)).Where(v => v > 0).DefaultIfEmpty(1).Min() / 2;
        double Log(double v) => Math.Log10(Math.Max(v, floor));
        double bottom = Math.Floor(Log(floor));
        for (int i = 0; i < bars.Count; i++)
        {
            var bar = plot.Add.Bar(new Bar { Position = i, Value = Log(bars[i].Mean), ValueBase = bottom, FillColor = palette.GetColor(i).WithAlpha(0.7) });
            bar.Color = palette.GetColor(i).WithAlpha(0.7);
            var xs = bars[i].Dots.Select(_ => i + (rng.NextDouble() - 0.5) * 0.4).ToArray();
            var dots = plot.Add.ScatterPoints(xs, bars[i].Dots.Select(Log).ToArray());
            dots.Color = Colors.Black;
            dots.MarkerSize = 4;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(bars.Select((b, i) => new Tick(i, b.Name)).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
        plot.Axes.SetLimitsY(bottom, Math.Ceiling(bars.SelectMany(b => b.Dots.Append(b.Mean)).Select(Log).Max() + 0.1));
        plot.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dashed);
        plot.Title(title);
        plot.YLabel(yLabel);
        Plotting.Charts.SavePng(plot, path);
    }

    /// <summary>Mean L1 error per layer with parameters (from the input), one line per method, log axis; the legend sits outside the plot.</summary>
    public static void LayerLines(string path, string title, IReadOnlyList<string> layers, IReadOnlyList<(string Name, double[] Values)> series)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var xs = Enumerable.Range(0, layers.Count).Select(i => (double)i).ToArray();
        for (int i = 0; i < series.Count; i++)
        {
            var line = plot.Add.Scatter(xs, series[i].Values.Select(Math.Log10).ToArray());
            line.Color = palette.GetColor(i);
            line.LegendText = series[i].Name;
            line.MarkerSize = 6;
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(layers.Select((l, i) => new Tick(i, l)).ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
        plot.Title(title);
        plot.XLabel("layer with parameters (input side first)");
        plot.YLabel("mean L1 error");
        plot.ShowLegend(Edge.Right);
        Plotting.Charts.SavePng(plot, path);
    }
}
