using System.Diagnostics;
using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;

namespace HesScale.Bench.Quality;

/// <summary>One row of quality.csv: the L1 error of a method on one layer (or "all"), averaged over the samples of one seed.</summary>
public sealed record QualityRow(string Phase, int Seed, string Method, string Layer, double L1Error);

/// <summary>
/// The approximation-quality protocol of the paper on the embedded digits (or --data): an MLP
/// features-64-64-64-10 (tanh or relu) or cnn-small on the data's images, per seed fresh parameters; errors at batch
/// size 1 on S training samples before training and after T Adam steps (batch 32). Error of a method on a parameter
/// tensor: sum |estimate - exact|; per layer with parameters (weight + bias) and in total, averaged over the samples.
/// </summary>
public sealed class QualityExperiment(ComputeDevice device, QualityOptions options, TextWriter progress)
{
    public const int Hidden = 64;

    /// <summary>The networks <c>quality --model</c> knows.</summary>
    public static readonly string[] Models = ["mlp", "cnn"];

    public static NetworkSpec Spec(string activation, int features = Digits.Features, int classes = Digits.Classes)
    {
        LayerSpec Act() => activation switch
        {
            "tanh" => LayerSpec.Tanh(),
            "relu" => LayerSpec.ReLU(),
            _ => throw new ArgumentException($"--activation expects tanh or relu, got '{activation}'.", nameof(activation)),
        };
        return new NetworkSpec(
            LayerSpec.Linear(features, Hidden), Act(),
            LayerSpec.Linear(Hidden, Hidden), Act(),
            LayerSpec.Linear(Hidden, Hidden), Act(),
            LayerSpec.Linear(Hidden, classes));
    }

    private NetworkSpec? _spec;

    /// <summary>
    /// The network of <see cref="QualityOptions.Model"/> on <see cref="Data"/>, built once; a CNN on data that is not
    /// an image, or whose layers do not fit it, is an <see cref="ArgumentException"/> naming the layer and the numbers.
    /// </summary>
    public NetworkSpec NetworkSpec => _spec ??= options.Model switch
    {
        "mlp" => Spec(options.Activation, Data.Train.FeatureCount, Data.Train.Classes),
        "cnn" => Training.Models.CnnSmall(Training.Models.ImageShape(Data.Train), Data.Train.Classes),
        _ => throw new ArgumentException($"--model expects {string.Join(" or ", Models)}, got '{options.Model}'."),
    };

    /// <summary>Wall time of each method's estimates (estimate and download), summed over the run, and their count.</summary>
    public Dictionary<string, (TimeSpan Time, int Count)> MethodTimes { get; } = [];

    /// <summary>Test-set accuracy of each seed's network after training (filled by <see cref="Run"/>).</summary>
    public List<double> TestAccuracies { get; } = [];

    private (Dataset Train, Dataset Test)? _data;

    /// <summary>The (train, test) split of <see cref="QualityOptions.Data"/>, loaded once (the command reads it first, so bad data fails before any seed runs).</summary>
    public (Dataset Train, Dataset Test) Data => _data ??= Training.TrainData.Load(options.Data, "quality");
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastReport = -1000;
    private int _done;

    /// <summary>Runs every seed; rows in (phase, seed, method, layer) order.</summary>
    public List<QualityRow> Run()
    {
        var rows = new List<QualityRow>();
        for (int seed = 0; seed < options.Seeds; seed++) rows.AddRange(RunSeed(seed));
        return rows;
    }

    /// <summary>
    /// One seed: fresh network (seeded by <paramref name="seed"/>), errors before and after training; appends the
    /// seed's test accuracy to <see cref="TestAccuracies"/>. A seed's rows do not depend on the other seeds.
    /// </summary>
    public List<QualityRow> RunSeed(int seed)
    {
        var (train, test) = Data;
        var spec = NetworkSpec;
        var rows = new List<QualityRow>();
        int totalUnits = options.Seeds * (2 * options.Samples + options.TrainSteps / 50 + 1);
        void Tick(string what, int units = 1)
        {
            _done += units;
            if (_clock.ElapsedMilliseconds - _lastReport < 500) return;
            _lastReport = _clock.ElapsedMilliseconds;
            double fraction = Math.Min(1, (double)_done / totalUnits);
            double eta = fraction > 0 ? _clock.Elapsed.TotalSeconds * (1 - fraction) / fraction : 0;
            progress.Write($"\r  {fraction * 100,5:0.0}%  {what,-34} elapsed {_clock.Elapsed.TotalSeconds,6:0}s  eta {eta,5:0}s ");
        }

        using (var network = new Network(device, spec, seed: seed))
        using (var estimator = new CurvatureEstimator(network))
        {
            var rng = new Random(1000 + seed);
            var picks = Enumerable.Range(0, train.Count).OrderBy(_ => rng.Next()).Take(options.Samples).ToArray();

            rows.AddRange(Measure(estimator, spec, train, picks, "initial", seed, s => Tick($"seed {seed + 1}/{options.Seeds} initial {s + 1}/{picks.Length}")));
            Train(network, train, rng, steps => Tick($"seed {seed + 1}/{options.Seeds} training {steps}/{options.TrainSteps}", 1));
            TestAccuracies.Add(Training.Trainer.Accuracy(network, test, new Training.TrainingOptions().EvaluationBatch));
            rows.AddRange(Measure(estimator, spec, train, picks, "trained", seed, s => Tick($"seed {seed + 1}/{options.Seeds} trained {s + 1}/{picks.Length}")));
        }
        progress.Write("\r" + new string(' ', 90) + "\r");
        return rows;
    }

    private IEnumerable<QualityRow> Measure(CurvatureEstimator estimator, NetworkSpec spec, Dataset data, int[] picks, string phase, int seed, Action<int> tick)
    {
        var names = LayerNames(spec);
        var layerNames = names.Distinct().ToArray(); // input side first
        var layerOf = spec.Parameters.Select(p => Array.IndexOf(layerNames, names[p.Index])).ToArray();
        int layers = layerNames.Length;
        var methods = QualityMethod.All;
        var sums = new double[methods.Count, layers];
        for (int s = 0; s < picks.Length; s++)
        {
            var input = data.Sample(picks[s]);
            var targets = Targets.FromClasses([data.Labels[picks[s]]]);
            var exactEstimate = estimator.Estimate(input, 1, targets, LossSpec.CrossEntropy(), CurvatureMethod.Exact);
            var exact = spec.Parameters.Select(p => exactEstimate.Diagonal(p.Index)).ToArray();
            for (int m = 0; m < methods.Count; m++)
            {
                var method = methods[m];
                float[][] estimate;
                if (method.Kind is not { } kind)
                {
                    estimate = spec.Parameters.Select(p => new float[p.Length]).ToArray();
                }
                else
                {
                    // A distinct random stream per (seed, phase, sample, method).
                    ulong rngSeed = ((ulong)seed << 40) ^ ((ulong)(phase == "trained" ? 1 : 0) << 39) ^ ((ulong)s << 8) ^ (ulong)m;
                    long start = Stopwatch.GetTimestamp();
                    var e = estimator.Estimate(input, 1, targets, LossSpec.CrossEntropy(), kind, method.Samples, rngSeed);
                    estimate = spec.Parameters.Select(p => e.Diagonal(p.Index)).ToArray();
                    var (time, count) = MethodTimes.GetValueOrDefault(method.Id);
                    MethodTimes[method.Id] = (time + Stopwatch.GetElapsedTime(start), count + 1);
                }
                foreach (var p in spec.Parameters)
                {
                    double l1 = 0;
                    var est = estimate[p.Index];
                    var ex = exact[p.Index];
                    for (int i = 0; i < est.Length; i++) l1 += Math.Abs((double)est[i] - ex[i]);
                    sums[m, layerOf[p.Index]] += l1;
                }
            }
            tick(s);
        }
        for (int m = 0; m < methods.Count; m++)
        {
            double total = 0;
            for (int l = 0; l < layers; l++)
            {
                double mean = sums[m, l] / picks.Length;
                total += mean;
                yield return new QualityRow(phase, seed, methods[m].Id, layerNames[l], mean);
            }
            yield return new QualityRow(phase, seed, methods[m].Id, "all", total);
        }
    }

    private void Train(Network network, Dataset data, Random rng, Action<int> tick)
    {
        using var adam = Optimizer.Create("adam", network, new OptimizerSettings { LearningRate = options.LearningRate });
        int batch = Math.Min(options.TrainBatch, data.Count), width = data.FeatureCount;
        var inputs = new float[batch * width];
        var labels = new int[batch];
        for (int step = 0; step < options.TrainSteps; step++)
        {
            for (int b = 0; b < batch; b++)
            {
                int index = rng.Next(data.Count);
                data.Sample(index).CopyTo(inputs.AsSpan(b * width, width));
                labels[b] = data.Labels[index];
            }
            var result = network.Backward(inputs, batch, Targets.FromClasses(labels), LossSpec.CrossEntropy(), adam.RequiredCurvature);
            adam.Step(result);
            if ((step + 1) % 50 == 0) tick(step + 1);
        }
        tick(options.TrainSteps);
    }

    /// <summary>
    /// Per parameter tensor: the name of its layer, numbered from the input per kind: "conv1", "conv2", ... for Conv2d
    /// and "fc1", "fc2", ... for Linear (the MLP: fc1..fc4; cnn-small: conv1, conv2, fc1).
    /// </summary>
    public static string[] LayerNames(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Parameters.Select(p =>
        {
            var kind = spec.Layers[p.LayerIndex].Kind;
            int number = spec.Layers.Take(p.LayerIndex + 1).Count(l => l.Kind == kind);
            return kind switch
            {
                LayerKind.Linear => $"fc{number}",
                LayerKind.Conv2d => $"conv{number}",
                _ => throw new ArgumentException($"layer {p.LayerIndex} ({spec.Layers[p.LayerIndex]}) holds parameters but has no quality name.", nameof(spec)),
            };
        }).ToArray();
    }
}
