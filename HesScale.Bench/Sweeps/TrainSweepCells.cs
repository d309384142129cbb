using System.Globalization;
using HesScale.Bench.Training;
using HesScale.Gpu.Training;

namespace HesScale.Bench.Sweeps;

/// <summary>
/// train's cells: one run (optimizer, learning rate, seed) each. Rows: <c>run,EPOCHS</c>, then
/// <c>epoch,EPOCH,TRAIN_LOSS,TEST_ACCURACY,SECONDS</c> per epoch (doubles round-trip, "R"), then
/// <c>diverged,MESSAGE</c> for a run that diverged (the message on one line; commas kept).
/// </summary>
public static class TrainSweepCells
{
    public static IReadOnlyList<string> Rows(TrainRunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"run,{result.Epochs.Count}"),
            .. result.Epochs.Select(e => string.Create(CultureInfo.InvariantCulture,
                $"epoch,{e.Epoch},{CellNumbers.Text(e.TrainLoss)},{CellNumbers.Text(e.TestAccuracy)},{CellNumbers.Text(e.Seconds)}")),
            .. result.Failure is null ? Array.Empty<string>() : ["diverged," + result.Failure.ReplaceLineEndings(" ")],
        ];
    }

    public static TrainRunResult Parse(TrainRunSpec run, IReadOnlyList<string> rows)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(rows);
        string? failure = rows.Count > 1 && rows[^1].StartsWith("diverged,", StringComparison.Ordinal) ? rows[^1]["diverged,".Length..] : null;
        int epochRows = rows.Count - 1 - (failure is null ? 0 : 1);
        if (rows.Count == 0 || rows[0].Split(',') is not ["run", var count] || CellNumbers.Long(count, "train") != epochRows)
            throw new SweepFormatException($"train cell '{run.Label}': expected 'run,EPOCHS', that many epoch rows and an optional 'diverged,MESSAGE' row.");
        var epochs = rows.Skip(1).Take(epochRows).Select(row => row.Split(',') is ["epoch", var e, var loss, var accuracy, var seconds]
            ? new EpochResult((int)CellNumbers.Long(e, "train"), CellNumbers.Double(loss, "train"), CellNumbers.Double(accuracy, "train"), CellNumbers.Double(seconds, "train"))
            : throw new SweepFormatException($"train cell '{run.Label}': bad epoch row '{row}'.")).ToArray();
        return new TrainRunResult(run, epochs, failure);
    }
}
