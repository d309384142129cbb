using HesScale.Gpu;

namespace HesScale.Bench.Training;

/// <summary>How <see cref="Trainer"/> walks the data: mini-batch size, shuffling seed, loss.</summary>
public sealed record TrainingOptions
{
    /// <summary>Samples per step (>= 1); the last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Seed of the per-epoch shuffles.</summary>
    public ulong ShuffleSeed { get; init; }
    /// <summary>Loss minimised (cross-entropy, mean over the batch, by default).</summary>
    public LossSpec Loss { get; init; } = LossSpec.CrossEntropy();
    /// <summary>Samples per forward pass when measuring test accuracy.</summary>
    public int EvaluationBatch { get; init; } = 512;

    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "Batch size must be at least 1.");
        if (EvaluationBatch < 1) throw new ArgumentOutOfRangeException(nameof(EvaluationBatch), EvaluationBatch, "Evaluation batch must be at least 1.");
        if (Loss.Kind != LossKind.CrossEntropy) throw new ArgumentException("Training on a classification Dataset needs the cross-entropy loss.", nameof(Loss));
    }
}

/// <summary>One finished epoch: mean training loss over its samples, test accuracy after it, training wall time.</summary>
public sealed record EpochResult(int Epoch, double TrainLoss, double TestAccuracy, double Seconds);
