using System.Diagnostics;
using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Training;

namespace HesScale.Bench.Training;

/// <summary>
/// Supervised training of a classifier: each epoch draws a permutation of the training set from
/// a seeded <see cref="SplitMix64"/>, walks it in mini-batches (Backward with the optimizer's
/// curvature, then one optimizer step) and measures test accuracy at the end. Deterministic for
/// a given seed, device and thread count; <see cref="Progress"/> and <see cref="Restore"/> let a
/// checkpointed run continue exactly where it stopped, even mid-epoch.
/// </summary>
public sealed class Trainer : IResumable, IDisposable
{
    private readonly Network _network;
    private readonly Optimizer _optimizer;
    private readonly Dataset _train;
    private readonly Dataset _test;
    private readonly TrainingOptions _options;
    private readonly SplitMix64 _rng;
    private readonly int[] _order;
    private readonly float[] _inputs;
    private CurvatureEstimator? _estimator;
    private bool _orderDrawn;
    private ulong _epochShuffleState;
    private double _epochLossSum;
    private int _epochSamples;
    private double _epochSeconds;

    public Trainer(Network network, Optimizer optimizer, Dataset train, Dataset test, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!ReferenceEquals(optimizer.Network, network))
            throw new ArgumentException($"Optimizer '{optimizer.Name}' updates another network.", nameof(optimizer));
        if (train.Count == 0) throw new ArgumentException($"{train.Name} is empty.", nameof(train));
        CheckShapes(network, train, nameof(train));
        CheckShapes(network, test, nameof(test));
        _network = network;
        _optimizer = optimizer;
        _train = train;
        _test = test;
        _options = options;
        _rng = new SplitMix64(options.ShuffleSeed);
        _order = new int[train.Count];
        _inputs = new float[Math.Min(options.BatchSize, train.Count) * train.FeatureCount];
    }

    private static void CheckShapes(Network network, Dataset data, string paramName)
    {
        if (data.FeatureCount != network.Spec.InputSize)
            throw new ArgumentException($"{data.Name} has {data.FeatureCount} features; the network takes {network.Spec.InputSize} inputs.", paramName);
        if (data.Classes != network.Spec.OutputSize)
            throw new ArgumentException($"{data.Name} has {data.Classes} classes; the network has {network.Spec.OutputSize} outputs.", paramName);
    }

    /// <summary>Completed epochs.</summary>
    public int Epoch { get; private set; }
    /// <summary>Mini-batches done in the current epoch.</summary>
    public int BatchInEpoch { get; private set; }
    public int BatchesPerEpoch => (_train.Count + _options.BatchSize - 1) / _options.BatchSize;
    public Optimizer Optimizer => _optimizer;

    /// <summary>Where the run stands (store it with the network and optimizer to resume exactly).</summary>
    public TrainingProgress Progress => new(Epoch, BatchInEpoch, _orderDrawn ? _epochShuffleState : _rng.State, _epochLossSum, _epochSamples, _epochSeconds);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="progress"/> does not fit this trainer; changes nothing.</summary>
    public void CheckFits(TrainingProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Epoch < 0 || progress.BatchInEpoch < 0 || progress.BatchInEpoch >= BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(progress), progress, $"Epoch must be >= 0 and batch in [0, {BatchesPerEpoch}).");
    }

    /// <summary>Continues from <paramref name="progress"/> (the network and optimizer are restored separately).</summary>
    public void Restore(TrainingProgress progress)
    {
        CheckFits(progress);
        Epoch = progress.Epoch;
        BatchInEpoch = progress.BatchInEpoch;
        _epochLossSum = progress.EpochLossSum;
        _epochSamples = progress.EpochSamples;
        _epochSeconds = progress.EpochSeconds;
        _rng.State = progress.EpochShuffleState;
        _orderDrawn = false;
        if (BatchInEpoch > 0) DrawOrder();
    }

    private void DrawOrder()
    {
        _epochShuffleState = _rng.State;
        for (int i = 0; i < _order.Length; i++) _order[i] = i;
        _rng.Shuffle(_order);
        _orderDrawn = true;
    }

    /// <summary>One mini-batch step; returns its (mean) loss. An epoch's last step does not evaluate: see <see cref="RunEpoch"/>.</summary>
    public float TrainStep()
    {
        if (BatchInEpoch >= BatchesPerEpoch)
            throw new InvalidOperationException("The epoch's batches are done; call RunEpoch to evaluate and start the next epoch.");
        var clock = Stopwatch.StartNew();
        if (!_orderDrawn) DrawOrder();
        int start = BatchInEpoch * _options.BatchSize;
        int n = Math.Min(_options.BatchSize, _train.Count - start);
        int f = _train.FeatureCount;
        var labels = new int[n];
        for (int s = 0; s < n; s++)
        {
            int index = _order[start + s];
            _train.Sample(index).CopyTo(_inputs.AsSpan(s * f, f));
            labels[s] = _train.Labels[index];
        }
        var targets = Targets.FromClasses(labels);
        float loss;
        if (_optimizer.RequiredEstimator is { } kind)
        {
            // AdaHessian / AdaGGNMC: k samples seeded from the optimizer's step counter.
            _estimator ??= new CurvatureEstimator(_network);
            var estimate = _estimator.Estimate(_inputs.AsSpan(0, n * f), n, targets, _options.Loss, kind, _optimizer.Settings.Samples, _optimizer.NextSeed);
            _optimizer.Step(estimate);
            loss = estimate.Loss;
        }
        else
        {
            var result = _network.Backward(_inputs.AsSpan(0, n * f), n, targets, _options.Loss, _optimizer.RequiredCurvature);
            _optimizer.Step(result);
            loss = result.Loss;
        }
        _epochLossSum += (double)loss * (_options.Loss.Reduction == Reduction.Mean ? n : 1);
        _epochSamples += n;
        BatchInEpoch++;
        _epochSeconds += clock.Elapsed.TotalSeconds;
        return loss;
    }

    /// <summary>
    /// Finishes the current epoch (all of it, or what is left after a resume), then measures test
    /// accuracy. <paramref name="onBatch"/> gets (batch done, batches per epoch) for a progress display.
    /// </summary>
    public EpochResult RunEpoch(Action<int, int>? onBatch = null)
    {
        while (BatchInEpoch < BatchesPerEpoch)
        {
            TrainStep();
            onBatch?.Invoke(BatchInEpoch, BatchesPerEpoch);
        }
        var result = new EpochResult(Epoch + 1, _epochLossSum / _epochSamples, Accuracy(_test), _epochSeconds);
        Epoch++;
        BatchInEpoch = 0;
        _epochLossSum = 0;
        _epochSamples = 0;
        _epochSeconds = 0;
        _orderDrawn = false;
        return result;
    }

    /// <summary>Fraction of <paramref name="data"/> whose arg-max output is the label.</summary>
    public double Accuracy(Dataset data) => Accuracy(_network, data, _options.EvaluationBatch);

    /// <summary>
    /// Fraction of <paramref name="data"/> whose arg-max output of <paramref name="network"/> is the label, forward in
    /// batches of <paramref name="batch"/> (the network's workspace grows to the largest batch it has seen: a conv net's
    /// activations for all 10,000 test images at once are gigabytes).
    /// </summary>
    public static double Accuracy(Network network, Dataset data, int batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        CheckShapes(network, data, nameof(data));
        if (data.Count == 0) return double.NaN;
        int k = data.Classes, correct = 0;
        for (int start = 0; start < data.Count; start += batch)
        {
            int n = Math.Min(batch, data.Count - start);
            var outputs = network.Forward(data.Features.AsSpan(start * data.FeatureCount, n * data.FeatureCount), n);
            for (int s = 0; s < n; s++)
            {
                int best = 0;
                for (int j = 1; j < k; j++) if (outputs[s * k + j] > outputs[s * k + best]) best = j;
                if (best == data.Labels[start + s]) correct++;
            }
        }
        return (double)correct / data.Count;
    }

    /// <summary>Releases the curvature estimator's buffers (AdaHessian, AdaGGNMC); the network and optimizer belong to the caller.</summary>
    public void Dispose() => _estimator?.Dispose();
}
