namespace HesScale.Bench.Reinforcement;

/// <summary>One (optimizer, learning rate) cell of a sweep: its seeds' scores (NaN where a seed diverged).</summary>
public sealed record SweepCell(string Optimizer, double LearningRate, double[] Scores, int Diverged)
{
    /// <summary>Mean score over the seeds that did not diverge (NaN if all diverged).</summary>
    public double Mean => Scores.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
}

/// <summary>
/// Normalised return and stability ranges. normalised = (mean - floor) / (best - floor), where best is
/// the highest cell mean of the whole sweep and floor the lowest (diverged cells count as the floor).
/// A cell is stable when no seed diverged and its normalised return is at least 1 - tolerance (0.8:
/// "within 20% of the best"). An optimizer's stable range is the widest run of consecutive grid points
/// that are all stable; its width is log10(lr_max / lr_min) orders of magnitude.
/// </summary>
public static class SweepAnalysis
{
    public static (double Best, double Floor) Bounds(IReadOnlyList<SweepCell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var means = cells.Select(c => c.Mean).Where(double.IsFinite).ToArray();
        if (means.Length == 0) return (double.NaN, double.NaN);
        return (means.Max(), means.Min());
    }

    public static double Normalized(SweepCell cell, double best, double floor)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (!double.IsFinite(cell.Mean)) return 0;
        return best > floor ? (cell.Mean - floor) / (best - floor) : 1;
    }

    public static bool Stable(SweepCell cell, double best, double floor, double tolerance = 0.2) =>
        cell.Diverged == 0 && Normalized(cell, best, floor) >= 1 - tolerance;

    /// <summary>Widest contiguous stable span of <paramref name="optimizer"/>'s cells (sorted by lr); null if none.</summary>
    public static (double Low, double High, double Orders)? StableRange(IReadOnlyList<SweepCell> cells, string optimizer, double best, double floor, double tolerance = 0.2)
    {
        var row = cells.Where(c => c.Optimizer == optimizer).OrderBy(c => c.LearningRate).ToArray();
        (double, double, double)? widest = null;
        int start = -1;
        for (int i = 0; i <= row.Length; i++)
        {
            bool ok = i < row.Length && Stable(row[i], best, floor, tolerance);
            if (ok && start < 0) start = i;
            if (!ok && start >= 0)
            {
                double lo = row[start].LearningRate, hi = row[i - 1].LearningRate, orders = Math.Log10(hi / lo);
                if (widest is null || orders > widest.Value.Item3) widest = (lo, hi, orders);
                start = -1;
            }
        }
        return widest;
    }
}
