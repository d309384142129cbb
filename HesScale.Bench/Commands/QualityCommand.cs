using System.Diagnostics;
using System.Globalization;
using HesScale.Bench.Quality;
using HesScale.Bench.Sweeps;
using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale quality</c>: how close each Hessian-diagonal method comes to the exact diagonal on the
/// embedded digits or --data, on an MLP or cnn-small (see <see cref="QualityExperiment"/>), before and after Adam training; writes
/// quality.csv, quality_normalized.csv and PNG figures to --out.
/// </summary>
public static class QualityCommand
{
    public const string Usage =
        "usage: hesscale quality [--seeds N] [--samples S] [--train-steps T] [--model mlp|cnn] [--activation tanh|relu] [--data D] [--full] [--out DIR] [--device D] [--threads T] [--shard K/N]\n" +
        "  MLP features-64-64-64-10 (or cnn-small) on the embedded digits (64 features) or --data; L1 error of each method against the exact Hessian diagonal at batch size 1,\n" +
        "  before and after T Adam steps (lr 1e-3, batch 32), normalised by HesScale's.\n" +
        "  --seeds        networks (default 10)           --samples  samples per seed and phase (default 30)\n" +
        "  --train-steps  Adam steps (default 2000)        --full     the paper's 40 seeds x 100 samples\n" +
        "  --model        mlp (default) or cnn: conv 5x5 16 - relu - maxpool 2 - conv 3x3 32 - relu - maxpool 2 - linear, on the data's\n" +
        "                 images (1 x n x n for n^2 features, 3x32x32; at least 12x12, so not the 8x8 digits)\n" +
        "  --activation   MLP: tanh (default) or relu      --out      output folder (default results/quality)\n" +
        "  --data         digits (default), fashion (Debian package dataset-fashion-mnist), fashion:DIR or mnist:DIR (IDX files)\n" +
        "  --device       auto, cuda, opencl, cpu, ilgpu-cpu (default: $HESSCALE_DEVICE, else auto)\n" +
        "  --threads      CPU threads for the cpu devices (0 = all)\n" +
        "  --shard K/N    only seeds s with s % N == K, into --out/shard-K-of-N.csv (resumable; default from a Slurm array task); then hesscale merge";

    private const string Command = "quality";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="sweepInput"/>: the seeds, from <c>hesscale merge</c> (or a plan request from <c>hesscale slurm</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, SweepInput? sweepInput)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command, ["full"], "seeds", "samples", "train-steps", "model", "activation", "data", "out", "device", "threads", "shard");
            bool full = options.Has("full");
            var settings = new QualityOptions
            {
                Seeds = Positive(options, "seeds", full ? 40 : 10),
                Samples = Positive(options, "samples", full ? 100 : 30),
                TrainSteps = NonNegative(options, "train-steps", 2000),
                Model = options.Get("model") ?? "mlp",
                Activation = options.Get("activation") ?? "tanh",
                Data = options.Get("data") ?? "digits",
                OutDir = options.Get("out") ?? Path.Combine("results", "quality"),
            };
            if (settings.Activation is not ("tanh" or "relu"))
                throw new UsageException($"{Command}: --activation expects tanh or relu, got '{settings.Activation}'.");
            if (!QualityExperiment.Models.Contains(settings.Model))
                throw new UsageException($"{Command}: --model expects {string.Join(" or ", QualityExperiment.Models)}, got '{settings.Model}'.");
            if (settings.Model != "mlp" && options.Get("activation") is not null)
                throw new UsageException($"{Command}: --activation sets the MLP's activation; --model {settings.Model} is cnn-small, whose activation is ReLU.");

            using var device = ComputeDevice.FromEnvironment(options.Get("device"), options.Threads(Command, checkCores: sweepInput is null));
            var experiment = new QualityExperiment(device, settings, stderr);
            var (train, _) = experiment.Data;
            NetworkSpec spec;
            try { spec = experiment.NetworkSpec; } // before any seed runs
            catch (ArgumentException e) { throw new UsageException($"{Command}: --model {settings.Model}: {UsageException.Plain(e)}"); }
            string network = settings.Model == "mlp"
                ? $"MLP {train.FeatureCount}-64-64-64-{train.Classes} ({settings.Activation})"
                : $"cnn-small {Architecture.Describe(spec)}";
            stdout.WriteLine($"device: {device.Name}");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"quality: {network} on {settings.Data}; {settings.Seeds} seeds x {settings.Samples} samples at batch 1; {settings.TrainSteps} Adam steps (lr 1e-3, batch 32)"));
            var clock = Stopwatch.StartNew();
            var sweep = SweepCells.Open(Command, options, Enumerable.Range(0, settings.Seeds).Select(s => $"seed {s}").ToArray(), settings.OutDir, sweepInput);
            var rows = new List<QualityRow>();
            for (int seed = 0; seed < settings.Seeds; seed++)
            {
                if (!sweep.Owns(seed)) continue;
                if (sweep.Finished(seed) is { } stored)
                {
                    rows.AddRange(QualitySweepCells.Restore(experiment, seed, stored));
                    continue;
                }
                var (seedRows, cell) = QualitySweepCells.Run(experiment, seed);
                rows.AddRange(seedRows);
                sweep.Finish(seed, cell);
            }
            if (sweep.IsShard)
            {
                stdout.WriteLine(sweep.Report());
                return 0;
            }
            var normalized = QualityReport.Normalize(rows);
            QualityReport.PrintTable(stdout, rows, normalized, experiment.MethodTimes);
            if (experiment.TestAccuracies.Count > 0)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"\ntest accuracy after training: mean {experiment.TestAccuracies.Average():0.000} (min {experiment.TestAccuracies.Min():0.000}, max {experiment.TestAccuracies.Max():0.000})"));
            QualityReport.WriteCsv(settings.OutDir, rows, normalized);
            string title = settings.Model == "mlp" ? $"{settings.Data} MLP ({settings.Activation})" : $"{settings.Data} cnn-small (relu)";
            var figures = QualityReport.WriteCharts(settings.OutDir, title, rows, normalized);
            stdout.WriteLine($"wrote {Path.Combine(settings.OutDir, "quality.csv")}, {Path.Combine(settings.OutDir, "quality_normalized.csv")}, {string.Join(", ", figures)}");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time: {clock.Elapsed.TotalSeconds:0.0} s"));
            return 0;
        });
    }

    private static int Positive(CommandLine options, string name, int fallback)
    {
        int value = NonNegative(options, name, fallback);
        return value > 0 ? value : throw new UsageException($"{Command}: --{name} must be at least 1, got {value}.");
    }

    private static int NonNegative(CommandLine options, string name, int fallback)
    {
        string? text = options.Get(name);
        if (text is null) return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new UsageException($"{Command}: --{name} expects a non-negative integer, got '{text}'.");
    }
}
