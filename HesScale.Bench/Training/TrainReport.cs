using System.Globalization;
using System.Text;
using HesScale.Bench.Plotting;
using HesScale.Gpu.Files;
using HesScale.Gpu.Optimizers;

namespace HesScale.Bench.Training;

/// <summary>train.csv, the learning-curve figure and the best-learning-rate summary of the train command.</summary>
public static class TrainReport
{
    public const string CsvHeader = "optimizer,lr,seed,epoch,train_loss,test_accuracy,seconds";

    public static string CsvRow(TrainRunSpec run, EpochResult e) => string.Create(CultureInfo.InvariantCulture,
        $"{run.Optimizer},{TrainRunSpec.Format(run.LearningRate)},{run.Seed},{e.Epoch},{e.TrainLoss:R},{e.TestAccuracy:R},{e.Seconds:F4}");

    /// <summary>
    /// Writes train.csv atomically (temporary file, then rename): a diverged run's completed epochs
    /// and then one row for the epoch it diverged in, with NaN loss, accuracy and seconds.
    /// </summary>
    public static void WriteCsv(string path, IEnumerable<TrainRunResult> results)
    {
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in results)
        {
            foreach (var e in r.Epochs) text.Append(CsvRow(r.Run, e)).Append('\n');
            if (r.Diverged) text.Append(CsvRow(r.Run, new EpochResult(r.Epochs.Count + 1, double.NaN, double.NaN, double.NaN))).Append('\n');
        }
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// Reads back rows written by <see cref="CsvRow"/> (a checkpoint's history); a malformed row is a
    /// <see cref="FormatException"/> naming the row and what is wrong.
    /// </summary>
    public static IReadOnlyList<EpochResult> ParseRows(string rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var result = new List<EpochResult>();
        int n = 0;
        foreach (string line in rows.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            n++;
            var c = line.Split(',');
            if (c.Length != 7) throw new FormatException($"history row {n} has {c.Length} fields, expected 7 ({CsvHeader}).");
            const NumberStyles number = NumberStyles.Float;
            if (!int.TryParse(c[3], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch) || epoch != result.Count + 1)
                throw new FormatException($"history row {n}: epoch '{c[3]}', expected {result.Count + 1}.");
            if (!double.TryParse(c[4], number, CultureInfo.InvariantCulture, out double loss) || !double.TryParse(c[5], number, CultureInfo.InvariantCulture, out double accuracy)
                || !double.TryParse(c[6], number, CultureInfo.InvariantCulture, out double seconds))
                throw new FormatException($"history row {n}: '{line}' does not hold numbers in its loss, accuracy and seconds fields.");
            result.Add(new EpochResult(epoch, loss, accuracy, seconds));
        }
        return result;
    }

    /// <summary>Per optimizer, the learning rate with the highest final test accuracy (mean over seeds); ties go to the smaller rate.</summary>
    public static IReadOnlyList<(string Optimizer, float LearningRate, double Accuracy, double SecondsPerEpoch)> BestLearningRates(IEnumerable<TrainRunResult> results) =>
        results.GroupBy(r => r.Run.Optimizer)
            .Select(g => g.GroupBy(r => r.Run.LearningRate)
                .Select(l => (Optimizer: g.Key, LearningRate: l.Key, Accuracy: l.Average(r => r.FinalAccuracy),
                    SecondsPerEpoch: l.SelectMany(r => r.Epochs).Select(e => e.Seconds).DefaultIfEmpty(double.NaN).Average()))
                .OrderByDescending(x => double.IsNaN(x.Accuracy) ? double.NegativeInfinity : x.Accuracy).ThenBy(x => x.LearningRate).First())
            .ToList();

    /// <summary>Test accuracy per epoch for each (optimizer, lr) in <paramref name="keep"/>: mean over seeds with a min-max band.</summary>
    public static void WriteCurves(string path, string title, IEnumerable<TrainRunResult> results, Func<TrainRunResult, double[]> values, string yLabel)
    {
        var series = new List<Series>();
        foreach (var group in results.GroupBy(r => (r.Run.Optimizer, r.Run.LearningRate)))
        {
            var runs = group.Select(values).ToArray();
            int epochs = runs.Min(v => v.Length);
            if (epochs == 0) continue;
            var x = Enumerable.Range(1, epochs).Select(e => (double)e).ToArray();
            var mean = x.Select((_, e) => runs.Average(v => v[e])).ToArray();
            double[]? lower = null, upper = null;
            if (runs.Length > 1)
            {
                lower = x.Select((_, e) => runs.Min(v => v[e])).ToArray();
                upper = x.Select((_, e) => runs.Max(v => v[e])).ToArray();
            }
            series.Add(new Series($"{group.Key.Optimizer} (lr {TrainRunSpec.Format(group.Key.LearningRate)})", x, mean, lower, upper));
        }
        Charts.Lines(path, title, "epoch", yLabel, series);
    }
}
