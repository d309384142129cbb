using HesScale.Gpu.Files;
using ScottPlot;

namespace HesScale.Bench.Plotting;

/// <summary>A named line: x, y and an optional band (lower, upper) drawn shaded around it.</summary>
public sealed record Series(string Name, double[] X, double[] Y, double[]? Lower = null, double[]? Upper = null);

/// <summary>PNG figures in one consistent style (ScottPlot 5), shared by every experiment command.</summary>
public static class Charts
{
    public const int Width = 900, Height = 560;

    /// <summary>Lines with optional bands; log axes draw log10 of the values with labelled ticks.</summary>
    public static void Lines(string path, string title, string xLabel, string yLabel, IEnumerable<Series> series, bool logX = false, bool logY = false)
    {
        var plot = new Plot();
        double Tx(double v) => logX ? Math.Log10(v) : v;
        double Ty(double v) => logY ? Math.Log10(v) : v;
        var palette = new ScottPlot.Palettes.Category10();
        int i = 0;
        foreach (var s in series)
        {
            var color = palette.GetColor(i++);
            var xs = s.X.Select(Tx).ToArray();
            if (s.Lower is not null && s.Upper is not null)
            {
                var band = plot.Add.FillY(xs, s.Lower.Select(Ty).ToArray(), s.Upper.Select(Ty).ToArray());
                band.FillColor = color.WithAlpha(0.2);
                band.LineWidth = 0;
            }
            var line = plot.Add.Scatter(xs, s.Y.Select(Ty).ToArray());
            line.Color = color;
            line.LegendText = s.Name;
            line.MarkerSize = xs.Length > 40 ? 0 : 5;
        }
        if (logX) plot.Axes.Bottom.TickGenerator = LogTicks();
        if (logY) plot.Axes.Left.TickGenerator = LogTicks();
        Finish(plot, path, title, xLabel, yLabel);
    }

    /// <summary>One titled panel of <see cref="Panels"/>: its lines and an optional fixed y range.</summary>
    public sealed record Panel(string Title, IReadOnlyList<Series> Series, double? YMin = null, double? YMax = null);

    /// <summary>
    /// Several <see cref="Lines"/>-style panels side by side (up to 3 per row), one legend per panel,
    /// the same palette order in every panel so an optimizer keeps its colour. Non-finite points are dropped.
    /// </summary>
    public static void Panels(string path, string title, string xLabel, string yLabel, IReadOnlyList<Panel> panels, bool logX = false)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count == 0) throw new ArgumentException("At least one panel is needed.", nameof(panels));
        int columns = Math.Min(3, panels.Count), rows = (panels.Count + columns - 1) / columns;
        int panelWidth = columns == 1 ? Width : Width * 2 / 3, panelHeight = Height;
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(panelWidth * columns, panelHeight * rows));
        surface.Canvas.Clear(SkiaSharp.SKColors.White);
        var palette = new ScottPlot.Palettes.Category10();
        for (int p = 0; p < panels.Count; p++)
        {
            var plot = new Plot();
            int i = 0;
            foreach (var s in panels[p].Series)
            {
                var color = palette.GetColor(i++);
                var keep = Enumerable.Range(0, s.X.Length).Where(k => double.IsFinite(s.X[k]) && double.IsFinite(s.Y[k])).ToArray();
                var xs = keep.Select(k => logX ? Math.Log10(s.X[k]) : s.X[k]).ToArray();
                if (s.Lower is not null && s.Upper is not null && keep.Length > 0)
                {
                    var band = plot.Add.FillY(xs, keep.Select(k => s.Lower[k]).ToArray(), keep.Select(k => s.Upper[k]).ToArray());
                    band.FillColor = color.WithAlpha(0.2);
                    band.LineWidth = 0;
                }
                var line = plot.Add.Scatter(xs, keep.Select(k => s.Y[k]).ToArray());
                line.Color = color;
                line.LegendText = s.Name;
                line.MarkerSize = xs.Length > 40 ? 0 : 5;
            }
            if (logX) plot.Axes.Bottom.TickGenerator = LogTicks();
            if (panels[p].YMin is { } lo && panels[p].YMax is { } hi) plot.Axes.SetLimitsY(lo, hi);
            plot.Title(p == 0 ? $"{title}\n{panels[p].Title}" : panels[p].Title);
            plot.XLabel(xLabel);
            plot.YLabel(yLabel);
            plot.ShowLegend(Alignment.UpperLeft);
            // Each panel renders alone (a plot's render fills the whole canvas background), then is drawn into its cell.
            using var panel = SkiaSharp.SKBitmap.Decode(plot.GetImage(panelWidth, panelHeight).GetImageBytes());
            surface.Canvas.DrawBitmap(panel, p % columns * panelWidth, p / columns * panelHeight);
        }
        CreateFolderOf(path);
        using var image = surface.Snapshot();
        using var png = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        AtomicFile.Write(path, png.SaveTo);
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => $"1e{v:0}",
    };

    private static void Finish(Plot plot, string path, string title, string xLabel, string yLabel)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperLeft);
        SavePng(plot, path);
    }

    /// <summary>Renders <paramref name="plot"/> at the common size and writes it atomically: a reader never sees a half-written PNG.</summary>
    internal static void SavePng(Plot plot, string path)
    {
        CreateFolderOf(path);
        using var image = plot.GetImage(Width, Height);
        AtomicFile.WriteAllBytes(path, image.GetImageBytes(ImageFormat.Png));
    }

    private static void CreateFolderOf(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
    }
}
