using System.Globalization;
using HesScale.Bench.Sweeps;
using HesScale.Bench.Training;
using HesScale.Gpu;
using HesScale.Gpu.Checkpoints;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale train</c>: supervised training of an MLP classifier with one or several optimizers,
/// learning rates (a sweep) and seeds; writes train.csv and learning-curve PNGs and reports, per
/// optimizer, the best learning rate by final test accuracy. A single run can be checkpointed
/// after every epoch and resumed exactly.
/// </summary>
public static class TrainCommand
{
    public const string Usage =
        "usage: hesscale train [--optimizers a,b,...] [--lr X | --lrs X,Y,...] [--epochs E] [--seeds S] [--first-seed K] [--batch B]\n" +
        "                      [--data digits|mnist:DIR|fashion[:DIR]|cifar10:DIR] [--model mlp|cnn-small|3c3d] [--hidden 64,64,64] [--activation tanh]\n" +
        "                      [--momentum M] [--weight-decay W] [--beta1 B1] [--beta2 B2] [--eps E] [--delta D] [--alpha-max A] [--samples K]\n" +
        "                      [--train-samples N] [--checkpoint FILE] [--resume FILE] [--out DIR] [--device D] [--threads T] [--shard K/N]\n" +
        "  --optimizers  any of sgd, adam, adahesscale, adahesscale_gn, bl89, adahessian, adaggnmc, scaled_adam,\n" +
        "                scaled_adahesscale, scaled_adahesscale_gn (default: all)\n" +
        "  --lr          one learning rate for every optimizer, or name=rate,name=rate for each (default: each optimizer's best rate\n" +
        "                on the digits, docs/training.md)\n" +
        "  --lrs         a sweep: every optimizer runs every rate; the best rate per optimizer is reported\n" +
        "  --epochs      epochs per run (default 10); --seeds: runs with seeds K..K+S-1 (default 1; K = --first-seed, default 0);\n" +
        "                --batch: mini-batch (default 32)\n" +
        "  --data        digits (embedded, default), fashion (" + TrainData.FashionMnistPackageDirectory + ", Debian package dataset-fashion-mnist),\n" +
        "                or a folder with MNIST / Fashion-MNIST IDX files or CIFAR-10 binary batches\n" +
        "  --model       mlp (--hidden widths with --activation; default), cnn-small or 3c3d (DeepOBS; 32x32x3, or the same\n" +
        "                layers on 28x28x1): image networks read each row as C x H x W\n" +
        "  --train-samples  train on the first N training samples only (a scaled protocol; the test set stays whole)\n" +
        "  --checkpoint  (single run) write a checkpoint to FILE after every epoch (atomic)\n" +
        "  --resume      (single run) continue the run saved in FILE up to --epochs\n" +
        "  --out         output folder (default results/train/): train.csv, test_accuracy.png, train_loss.png\n" +
        "                a run that diverges is recorded (a NaN row in train.csv) and the others go on; exit 3 when every run diverged\n" +
        "  --device      auto, cuda, opencl, cpu, ilgpu-cpu, or a device name; --threads: CPU threads (0 = all)\n" +
        "  --shard K/N   only runs i with i % N == K, into --out/shard-K-of-N.csv (resumable; default from a Slurm array task); then hesscale merge";

    private const string Command = "train";

    /// <summary>Each optimizer's best rate from the digits sweep (docs/training.md), used when neither --lr nor --lrs is given.</summary>
    public static readonly IReadOnlyDictionary<string, float> DefaultLearningRates = new Dictionary<string, float>
    {
        ["sgd"] = 1e-1f,
        ["adam"] = 1e-2f,
        ["adahesscale"] = 1e-3f,
        ["adahesscale_gn"] = 3e-4f,
        ["bl89"] = 3e-4f,
        ["adahessian"] = 1e-2f,
        ["adaggnmc"] = 1e-3f,
        ["scaled_adam"] = 3e-3f,
        ["scaled_adahesscale"] = 3e-3f,
        ["scaled_adahesscale_gn"] = 3e-4f,
    };

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="sweepInput"/>: the runs, from <c>hesscale merge</c> (or a plan request from <c>hesscale slurm</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, SweepInput? sweepInput)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var o = CommandLine.Parse(args, Command, "optimizers", "lr", "lrs", "epochs", "seeds", "first-seed", "batch", "data", "model", "hidden", "activation",
                "momentum", "weight-decay", "beta1", "beta2", "eps", "delta", "alpha-max", "samples", "train-samples", "checkpoint", "resume", "out", "device", "threads", "shard");
            return Execute(o, stdout, stderr, sweepInput);
        });
    }

    private static int Execute(CommandLine o, TextWriter stdout, TextWriter stderr, SweepInput? sweepInput)
    {
        var optimizers = (o.Get("optimizers") ?? string.Join(',', Optimizer.Names)).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (optimizers.Length == 0) throw new UsageException($"--optimizers names no optimizer (known: {string.Join(", ", Optimizer.Names)}).");
        foreach (string name in optimizers)
        {
            if (!Optimizer.Names.Contains(name))
                throw new UsageException($"unknown optimizer '{name}' (known: {string.Join(", ", Optimizer.Names)}).");
        }
        if (o.Get("lr") is not null && o.Get("lrs") is not null) throw new UsageException("give --lr or --lrs, not both.");
        var perOptimizer = o.Get("lr") is { } lrText && lrText.Contains('=') ? PerOptimizerRates(lrText, optimizers) : null;
        float[]? lrs = o.Get("lrs") is { } list ? list.Split(',', StringSplitOptions.TrimEntries).Select(v => Float(v, "lrs")).ToArray()
            : perOptimizer is null && o.Get("lr") is { } one ? [Float(one, "lr")] : null;
        int epochs = Int(o.Get("epochs") ?? "10", "epochs", 1);
        int seeds = Int(o.Get("seeds") ?? "1", "seeds", 1);
        int firstSeed = Int(o.Get("first-seed") ?? "0", "first-seed", 0);
        if (firstSeed > int.MaxValue - seeds) throw new UsageException($"--first-seed {firstSeed} with --seeds {seeds} passes the largest seed.");
        int batch = Int(o.Get("batch") ?? "32", "batch", 1);
        var hidden = (o.Get("hidden") ?? "64,64,64").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(v => Int(v, "hidden", 1)).ToArray();
        string model = o.Get("model") ?? "mlp";
        if (!Models.Names.Contains(model)) throw new UsageException($"unknown model '{model}' (known: {string.Join(", ", Models.Names)}).");
        string activationName = o.Get("activation") ?? "tanh";
        if (!LayerSpec.TryParseKind(activationName, out var activation) || activation == LayerKind.Linear)
            throw new UsageException($"unknown activation '{activationName}'.");
        var baseSettings = new OptimizerSettings
        {
            Momentum = OptionalFloat(o, "momentum", 0f),
            WeightDecay = OptionalFloat(o, "weight-decay", 0f),
            Beta1 = OptionalFloat(o, "beta1", 0.9f),
            Beta2 = OptionalFloat(o, "beta2", 0.999f),
            Epsilon = OptionalFloat(o, "eps", 1e-8f),
            Delta = OptionalFloat(o, "delta", 1e-4f),
            AlphaMax = OptionalFloat(o, "alpha-max", 1f),
            Samples = Int(o.Get("samples") ?? "1", "samples", 1),
        };
        baseSettings.Validate();
        var runs = (from name in optimizers
                    from lr in lrs ?? [perOptimizer?[name] ?? DefaultLearningRates[name]]
                    from seed in Enumerable.Range(firstSeed, seeds)
                    select new TrainRunSpec(name, lr, seed)).ToList();
        string? checkpoint = o.Get("checkpoint"), resume = o.Get("resume");
        if ((checkpoint is not null || resume is not null) && runs.Count != 1)
            throw new UsageException($"--checkpoint and --resume need a single run (one optimizer, one rate, one seed); this command line gives {runs.Count}.");
        string dataSpec = o.Get("data") ?? "digits";
        string outDir = o.Get("out") ?? Path.Combine("results", "train");
        if (checkpoint is not null) Checkpoint.CheckWritable(checkpoint); // now, not after the first epoch

        int threads = o.Threads(Command, checkCores: sweepInput is null);
        int? trainSamples = o.Get("train-samples") is { } limitText ? Int(limitText, "train-samples", 1) : null;
        var (train, test) = TrainData.Load(dataSpec);
        if (trainSamples is { } limit)
        {
            if (limit > train.Count) throw new UsageException($"--train-samples {limit}: {dataSpec} has only {train.Count} training samples.");
            train = train.Subset(Enumerable.Range(0, limit).ToArray());
        }
        NetworkSpec spec;
        try { spec = Models.Build(model, train, hidden, activation); }
        catch (ArgumentException e) { throw new UsageException($"--model {model}: {UsageException.Plain(e)}"); }
        using var device = ComputeDevice.FromEnvironment(o.Get("device"), threads); // after every check of the command line and the data
        stdout.WriteLine($"device: {device.Name}");
        stdout.WriteLine($"data: {dataSpec} ({train.Count} train, {test.Count} test, {train.FeatureCount} features, {train.Classes} classes); network {Architecture.Describe(spec)}");
        stdout.WriteLine($"{runs.Count} run{(runs.Count == 1 ? "" : "s")}, {epochs} epochs, batch {batch}");

        Directory.CreateDirectory(outDir);
        var sweep = SweepCells.Open(Command, o, runs.Select(r => r.Label).ToArray(), outDir, sweepInput);
        var results = new List<TrainRunResult>();
        foreach (var (cell, run) in runs.Index())
        {
            if (!sweep.Owns(cell)) continue;
            if (sweep.Finished(cell) is { } finished)
            {
                results.Add(TrainSweepCells.Parse(run, finished));
                continue;
            }
            var settings = baseSettings with { LearningRate = run.LearningRate, Seed = (ulong)run.Seed };
            using var network = new Network(device, spec, seed: run.Seed);
            using var optimizer = Optimizer.Create(run.Optimizer, network, settings);
            using var trainer = new Trainer(network, optimizer, train, test, new TrainingOptions { BatchSize = batch, ShuffleSeed = (ulong)run.Seed });
            var history = new List<EpochResult>();
            if (resume is not null)
            {
                var saved = Checkpoint.Load(resume);
                if (saved.OptimizerState?.Optimizer != run.Optimizer)
                    throw new CheckpointFormatException($"{resume}: the checkpoint is of optimizer '{saved.OptimizerState?.Optimizer}', the command line asks for '{run.Optimizer}'.");
                foreach (var (key, value) in new[] { ("data", dataSpec), ("batch", batch.ToString(CultureInfo.InvariantCulture)), ("train-samples", train.Count.ToString(CultureInfo.InvariantCulture)) })
                {
                    if (saved.Metadata.TryGetValue(key, out var stored) && stored != value)
                        throw new CheckpointFormatException($"{resume}: the run was saved with --{key} {stored}, the command line gives {value}.");
                }
                try
                {
                    saved.Restore(network, optimizer, trainer);
                    if (saved.Metadata.TryGetValue("history", out var rows)) history.AddRange(TrainReport.ParseRows(rows));
                }
                catch (Exception e) when (e is FormatException or ArgumentException or CheckpointFormatException)
                {
                    throw new CheckpointFormatException($"{resume}: {e.Message}", e);
                }
                stderr.WriteLine($"{run.Label}: resumed from {resume} at epoch {trainer.Epoch}, batch {trainer.BatchInEpoch}, step {optimizer.Steps}");
            }
            string? failure = null;
            while (trainer.Epoch < epochs)
            {
                EpochResult e;
                try
                {
                    e = trainer.RunEpoch((b, n) =>
                    {
                        if (b % 50 == 0) stderr.Write($"\r{run.Label}: epoch {trainer.Epoch + 1}/{epochs} batch {b}/{n}   ");
                    });
                }
                catch (ArithmeticException ex) // NonFiniteValueException: this run diverged; the others go on
                {
                    failure = ex.Message;
                    stderr.WriteLine($"\r{run.Label}: DIVERGED in epoch {history.Count + 1}: {ex.Message}");
                    break;
                }
                history.Add(e);
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\r{run.Label}: epoch {e.Epoch}/{epochs} train loss {e.TrainLoss:F4} test accuracy {e.TestAccuracy:F4} ({e.Seconds:F2} s)"));
                if (checkpoint is not null)
                {
                    var meta = new Dictionary<string, string>
                    {
                        ["data"] = dataSpec,
                        ["batch"] = batch.ToString(CultureInfo.InvariantCulture),
                        ["train-samples"] = train.Count.ToString(CultureInfo.InvariantCulture),
                        ["history"] = string.Join('\n', history.Select(h => TrainReport.CsvRow(run, h))),
                    };
                    Checkpoint.Capture(network, optimizer, trainer, meta).Save(checkpoint);
                }
            }
            results.Add(new TrainRunResult(run, history, failure));
            sweep.Finish(cell, TrainSweepCells.Rows(results[^1]));
        }
        if (sweep.IsShard)
        {
            stdout.WriteLine(sweep.Report());
            return 0;
        }

        string csv = Path.Combine(outDir, "train.csv");
        TrainReport.WriteCsv(csv, results);
        var best = TrainReport.BestLearningRates(results);
        var shown = results.Where(r => !r.Diverged && best.Any(b => b.Optimizer == r.Run.Optimizer && b.LearningRate == r.Run.LearningRate)).ToList();
        string accuracyPng = Path.Combine(outDir, "test_accuracy.png"), lossPng = Path.Combine(outDir, "train_loss.png");
        TrainReport.WriteCurves(accuracyPng, $"Test accuracy, {dataSpec} (mean over {seeds} seed{(seeds == 1 ? "" : "s")}, band min-max)", shown,
            r => r.Epochs.Select(e => e.TestAccuracy).ToArray(), "test accuracy");
        TrainReport.WriteCurves(lossPng, $"Training loss, {dataSpec}", shown, r => r.Epochs.Select(e => e.TrainLoss).ToArray(), "train loss");

        stdout.WriteLine(lrs is { Length: > 1 } ? "best learning rate per optimizer (final test accuracy, mean over seeds):" : "final test accuracy (mean over seeds):");
        stdout.WriteLine($"{"optimizer",-22} {"lr",-8} {"accuracy",9} {"s/epoch",9}");
        foreach (var b in best.OrderByDescending(b => b.Accuracy))
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.Optimizer,-22} {TrainRunSpec.Format(b.LearningRate),-8} {b.Accuracy,9:F4} {b.SecondsPerEpoch,9:F3}"));
        var diverged = results.Where(r => r.Diverged).ToList();
        if (diverged.Count > 0)
        {
            stdout.WriteLine($"diverged runs: {diverged.Count} of {results.Count} (NaN rows in train.csv)");
            foreach (var r in diverged) stdout.WriteLine($"  {r.Run.Label}: epoch {r.Epochs.Count + 1}: {r.Failure}");
        }
        stdout.WriteLine($"wrote {csv}, {accuracyPng}, {lossPng}");
        return diverged.Count == results.Count ? 3 : 0;
    }

    /// <summary><c>--lr name=rate,name=rate</c>: each optimizer's own rate (the final runs of a protocol, after the sweep picked them); every listed optimizer needs one.</summary>
    private static Dictionary<string, float> PerOptimizerRates(string text, string[] optimizers)
    {
        var rates = new Dictionary<string, float>();
        foreach (string entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = entry.IndexOf('=');
            string name = eq < 0 ? "" : entry[..eq].Trim();
            if (eq < 0 || !optimizers.Contains(name))
                throw new UsageException($"--lr {entry}: expected name=rate for one of --optimizers ({string.Join(", ", optimizers)}).");
            if (!rates.TryAdd(name, Float(entry[(eq + 1)..].Trim(), "lr"))) throw new UsageException($"--lr gives {name} twice.");
        }
        if (optimizers.FirstOrDefault(n => !rates.ContainsKey(n)) is { } missing) throw new UsageException($"--lr names no rate for {missing}.");
        return rates;
    }

    private static float Float(string text, string option) =>
        float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) && float.IsFinite(v)
            ? v
            : throw new UsageException($"--{option} expects numbers, got '{text}'.");

    private static float OptionalFloat(CommandLine o, string option, float fallback) => o.Get(option) is { } text ? Float(text, option) : fallback;

    private static int Int(string text, string option, int min) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min
            ? v
            : throw new UsageException($"--{option} expects an integer >= {min}, got '{text}'.");
}
