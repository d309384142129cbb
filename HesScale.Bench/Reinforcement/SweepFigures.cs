using System.Globalization;
using HesScale.Bench.Plotting;

namespace HesScale.Bench.Reinforcement;

/// <summary>
/// The two figures of the official RL summary (mujoco.md 4.9), one panel per environment:
/// the robustness figure (min-max normalised score against step size, one line per optimizer, mean and
/// standard error over seeds) and the learning curves of each optimizer at its best step size.
/// </summary>
public static class SweepFigures
{
    /// <summary>Where a cell with a diverged seed (official value -infinity) is drawn: the panel's bottom edge.</summary>
    public const double DivergedLevel = -0.1;

    /// <summary>Robustness figure: per env, (cell mean - min) / (max - min) over that env's finite cell means, y in [-0.1, 1.2].</summary>
    public static void Robustness(string path, string title, IReadOnlyList<SweepCell> cells, IReadOnlyList<string> optimizers)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(optimizers);
        var panels = cells.Select(c => c.Env).Distinct().Select(env =>
        {
            var mine = cells.Where(c => c.Env == env).ToArray();
            var (min, max) = SweepAnalysis.OfficialBounds(mine);
            var series = optimizers.Select(o =>
            {
                var row = mine.Where(c => c.Optimizer == o).OrderBy(c => c.LearningRate).ToArray();
                double Norm(double v) => SweepAnalysis.MinMax(v, min, max);
                var y = row.Select(c => Math.Max(DivergedLevel, Norm(c.OfficialMean))).ToArray();
                var se = row.Select(c => double.IsFinite(c.StandardError) && max > min ? c.StandardError / (max - min) : 0).ToArray();
                return new Series(o, row.Select(c => c.LearningRate).ToArray(), y,
                    y.Select((v, i) => v - se[i]).ToArray(), y.Select((v, i) => v + se[i]).ToArray());
            }).ToArray();
            return new Charts.Panel(env, series, DivergedLevel - 0.02, 1.2);
        }).ToArray();
        Charts.Panels(path, title, "step size", $"normalised score (a diverged seed: {DivergedLevel})", panels, logX: true);
    }

    /// <summary>
    /// Learning curves: per env and optimizer, the runs at the optimizer's best step size
    /// (<see cref="SweepAnalysis.Best"/>), 50 bins of the budget, mean and standard error over seeds.
    /// Optimizers with every cell diverged are left out of that panel.
    /// </summary>
    public static void BestCurves(string path, string title, IReadOnlyList<SweepCell> cells, IReadOnlyList<RlRunResult> runs,
        IReadOnlyList<string> optimizers, long budget, int bins = 50)
    {
        ArgumentNullException.ThrowIfNull(cells);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(optimizers);
        var x = Enumerable.Range(1, bins).Select(i => (double)i * budget / bins).ToArray();
        var panels = cells.Select(c => c.Env).Distinct().Select(env =>
        {
            var series = new List<Series>();
            foreach (var o in optimizers)
            {
                if (SweepAnalysis.Best(cells.Where(c => c.Env == env), o) is not { } best)
                {
                    series.Add(new Series($"{o} (every step size diverged)", [], [])); // keeps the optimizer's colour slot
                    continue;
                }
                var chosen = runs.Where(r => r.Settings.Environment == env && r.Settings.Optimizer == o
                    && (double)r.Settings.OptimizerSettings.LearningRate == best.LearningRate).Select(r => r.Episodes).ToArray();
                var (mean, error) = SweepAnalysis.MeanCurve(chosen, budget, bins);
                series.Add(new Series(string.Create(CultureInfo.InvariantCulture, $"{o} (lr {best.LearningRate:G3})"), x, mean,
                    mean.Select((m, i) => m - error[i]).ToArray(), mean.Select((m, i) => m + error[i]).ToArray()));
            }
            return new Charts.Panel(env, series);
        }).ToArray();
        Charts.Panels(path, title, "environment steps", "episode return (mean of the episodes ending in each bin)", panels);
    }
}
