using System.Globalization;
using HesScale.Gpu;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;

namespace HesScale.Bench.Training;

/// <summary>One training run of the train command: optimizer, learning rate, seed.</summary>
public sealed record TrainRunSpec(string Optimizer, float LearningRate, int Seed)
{
    public string Label => $"{Optimizer} lr {Format(LearningRate)} seed {Seed}";

    public static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}

/// <summary>
/// Per-epoch rows of one run (what train.csv holds). <paramref name="Failure"/> says why a run
/// diverged (non-finite values); <paramref name="Epochs"/> then holds the epochs it completed.
/// </summary>
public sealed record TrainRunResult(TrainRunSpec Run, IReadOnlyList<EpochResult> Epochs, string? Failure = null)
{
    public bool Diverged => Failure is not null;

    /// <summary>Test accuracy after the last epoch; NaN for a diverged run (it ranks last).</summary>
    public double FinalAccuracy => Diverged || Epochs.Count == 0 ? double.NaN : Epochs[^1].TestAccuracy;
}

/// <summary>
/// The data sets the train and quality commands know: <c>digits</c>, <c>mnist:DIR</c>, <c>fashion</c> (Debian's
/// dataset-fashion-mnist package) or <c>fashion:DIR</c>, <c>cifar10:DIR</c>.
/// </summary>
public static class TrainData
{
    /// <summary>Where Debian's package dataset-fashion-mnist installs the IDX files (gzip-compressed): what <c>--data fashion</c> reads.</summary>
    public const string FashionMnistPackageDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The (train, test) split <paramref name="spec"/> names; errors start with <paramref name="command"/>.</summary>
    public static (Dataset Train, Dataset Test) Load(string spec, string command = "train")
    {
        ArgumentNullException.ThrowIfNull(spec);
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        string kind = colon < 0 ? spec : spec[..colon];
        string? dir = colon < 0 ? null : spec[(colon + 1)..];
        return (kind, dir) switch
        {
            ("digits", null) => Digits.LoadStandardizedSplit(),
            ("mnist", { Length: > 0 }) => IdxDatasets.Load(dir, "mnist"),
            ("fashion", null) => LoadFashion(FashionMnistPackageDirectory, command),
            ("fashion", { Length: > 0 }) => IdxDatasets.Load(dir, "fashion"),
            ("cifar10", { Length: > 0 }) => Cifar10.Load(dir),
            _ => throw new Commands.UsageException($"{command}: --data expects digits, mnist:DIR, fashion, fashion:DIR or cifar10:DIR, got '{spec}'."),
        };
    }

    /// <summary>
    /// Fashion-MNIST from the package folder <paramref name="directory"/>; absent: a one-line
    /// <see cref="DirectoryNotFoundException"/> naming the package (a machine problem: the commands exit 1).
    /// </summary>
    public static (Dataset Train, Dataset Test) LoadFashion(string directory, string command) => Directory.Exists(directory)
        ? IdxDatasets.Load(directory, "fashion")
        : throw new DirectoryNotFoundException($"{command}: --data fashion reads {directory}, which is absent: install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or give fashion:DIR.");
}
