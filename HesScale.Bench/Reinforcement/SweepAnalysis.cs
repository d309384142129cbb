using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Reinforcement;

/// <summary>One (optimizer, learning rate) cell of a sweep on one environment: its seeds' scores (NaN where a seed diverged).</summary>
public sealed record SweepCell(string Optimizer, double LearningRate, double[] Scores, int Diverged, string Env = "")
{
    /// <summary>Mean score over the seeds that did not diverge (NaN if all diverged).</summary>
    public double Mean => Scores.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    /// <summary>The official cell value: the seed mean, or -infinity when any seed diverged (mujoco.md 4.9).</summary>
    public double OfficialMean => Diverged > 0 ? double.NegativeInfinity : Mean;

    /// <summary>Standard error of the seed mean (0 for one seed, NaN when a seed diverged).</summary>
    public double StandardError => Diverged > 0 ? double.NaN : SweepAnalysis.StandardError(Scores);
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

    // ---- The official summary (mujoco.md 4.9) ----

    /// <summary>
    /// Per-bin mean return: [0, budget] in <paramref name="bins"/> equal bins, bin i holds the episodes that ended
    /// in (i w, (i + 1) w] with w = budget / bins; NaN where no episode ended.
    /// </summary>
    public static double[] BinnedReturns(IReadOnlyList<EpisodeRecord> episodes, long budget, int bins)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1L);
        var sum = new double[bins];
        var count = new int[bins];
        foreach (var e in episodes)
        {
            // (i w, (i + 1) w] -> i = ceil(step / w) - 1; episodes past the budget (the last rollout's overshoot) go to the last bin.
            int i = (int)Math.Clamp((long)Math.Ceiling(e.EnvironmentSteps * (double)bins / budget) - 1, 0, bins - 1);
            sum[i] += e.Return;
            count[i]++;
        }
        return sum.Select((v, i) => count[i] == 0 ? double.NaN : v / count[i]).ToArray();
    }

    /// <summary>The official run score: the mean of the non-empty bins of <see cref="BinnedReturns"/> (NaN without episodes).</summary>
    public static double BinnedScore(IReadOnlyList<EpisodeRecord> episodes, long budget, int bins = 100) =>
        BinnedReturns(episodes, budget, bins).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    /// <summary>Standard error of the finite values (0 for fewer than two).</summary>
    public static double StandardError(IEnumerable<double> values)
    {
        var v = values.Where(double.IsFinite).ToArray();
        if (v.Length < 2) return 0;
        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1) / v.Length);
    }

    /// <summary>Min and max of the finite official cell values (seed means without divergence) of one environment's cells.</summary>
    public static (double Min, double Max) OfficialBounds(IEnumerable<SweepCell> cells)
    {
        var finite = cells.Select(c => c.OfficialMean).Where(double.IsFinite).ToArray();
        return finite.Length == 0 ? (double.NaN, double.NaN) : (finite.Min(), finite.Max());
    }

    /// <summary>(value - min) / (max - min); -infinity stays -infinity (a diverged seed); 1 when max = min; NaN for a NaN value or bounds (no episode ended).</summary>
    public static double MinMax(double value, double min, double max) =>
        double.IsNegativeInfinity(value) ? value
        : double.IsNaN(value) || double.IsNaN(min) || double.IsNaN(max) ? double.NaN
        : max > min ? (value - min) / (max - min) : 1;

    /// <summary>
    /// The optimizer's best step size: the highest summed seed score among its cells with no diverged seed
    /// (mujoco.md 4.9); null when every cell has a diverged seed or a seed without a finished episode.
    /// </summary>
    public static SweepCell? Best(IEnumerable<SweepCell> cells, string optimizer) =>
        cells.Where(c => c.Optimizer == optimizer && c.Diverged == 0 && c.Scores.All(double.IsFinite))
            .OrderByDescending(c => c.Scores.Sum()).ThenBy(c => c.LearningRate).FirstOrDefault();

    /// <summary>Learning curve over seeds: per bin the mean and standard error of the runs' bin values (NaN where no run has one).</summary>
    public static (double[] Mean, double[] Error) MeanCurve(IEnumerable<IReadOnlyList<EpisodeRecord>> runs, long budget, int bins = 50)
    {
        var curves = runs.Select(r => BinnedReturns(r, budget, bins)).ToArray();
        var mean = new double[bins];
        var error = new double[bins];
        for (int i = 0; i < bins; i++)
        {
            var column = curves.Select(c => c[i]).Where(double.IsFinite).ToArray();
            mean[i] = column.Length == 0 ? double.NaN : column.Average();
            error[i] = StandardError(column);
        }
        return (mean, error);
    }
}
