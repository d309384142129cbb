using System.Globalization;
using HesScale.Bench.Quality;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// quality's cells: one seed each. Rows: <c>accuracy,TEST_ACCURACY</c>, <c>time,METHOD,TICKS,COUNT</c> per method
/// (the seed's share of the timing column), <c>row,PHASE,METHOD,LAYER,L1_ERROR</c> per quality.csv row.
/// </summary>
public static class QualitySweepCells
{
    /// <summary>Runs <paramref name="seed"/> on <paramref name="experiment"/> and returns its rows and its stored form.</summary>
    public static (List<QualityRow> Rows, IReadOnlyList<string> Stored) Run(QualityExperiment experiment, int seed)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var before = new Dictionary<string, (TimeSpan Time, int Count)>(experiment.MethodTimes);
        var rows = experiment.RunSeed(seed);
        var stored = new List<string> { "accuracy," + CellNumbers.Text(experiment.TestAccuracies[^1]) };
        foreach (var (method, (time, count)) in experiment.MethodTimes.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var (t0, c0) = before.GetValueOrDefault(method);
            stored.Add(string.Create(CultureInfo.InvariantCulture, $"time,{method},{(time - t0).Ticks},{count - c0}"));
        }
        stored.AddRange(rows.Select(r => $"row,{r.Phase},{r.Method},{r.Layer},{CellNumbers.Text(r.L1Error)}"));
        return (rows, stored);
    }

    /// <summary>Puts a stored seed back into <paramref name="experiment"/> (accuracy and timing) and returns its quality rows.</summary>
    public static List<QualityRow> Restore(QualityExperiment experiment, int seed, IReadOnlyList<string> stored)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(stored);
        var rows = new List<QualityRow>();
        bool accuracy = false;
        foreach (string line in stored)
        {
            switch (line.Split(','))
            {
                case ["accuracy", var a] when !accuracy:
                    experiment.TestAccuracies.Add(CellNumbers.Double(a, "quality"));
                    accuracy = true;
                    break;
                case ["time", var method, var ticks, var count]:
                    var (t, c) = experiment.MethodTimes.GetValueOrDefault(method);
                    experiment.MethodTimes[method] = (t + TimeSpan.FromTicks(CellNumbers.Long(ticks, "quality")), c + (int)CellNumbers.Long(count, "quality"));
                    break;
                case ["row", var phase, var method, var layer, var l1]:
                    rows.Add(new QualityRow(phase, seed, method, layer, CellNumbers.Double(l1, "quality")));
                    break;
                default:
                    throw new SweepFormatException($"quality cell 'seed {seed}': unexpected row '{line}'.");
            }
        }
        if (!accuracy || rows.Count == 0) throw new SweepFormatException($"quality cell 'seed {seed}': no accuracy or no error rows.");
        return rows;
    }
}
