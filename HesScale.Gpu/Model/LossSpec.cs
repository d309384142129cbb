namespace HesScale.Gpu.Model;

/// <summary>The losses the fused backward pass computes on the device.</summary>
public enum LossKind
{
    /// <summary>Mean squared error; targets are N x K real numbers.</summary>
    MeanSquaredError,
    /// <summary>Softmax cross-entropy; targets are N class indices in [0, K).</summary>
    CrossEntropy,
}

/// <summary>How per-sample losses are combined, exactly as PyTorch defines it.</summary>
public enum Reduction
{
    /// <summary>MSE divides by N*K, cross-entropy by N.</summary>
    Mean,
    /// <summary>Sum of the per-sample losses (divisor 1).</summary>
    Sum,
}

/// <summary>A loss and its reduction.</summary>
public readonly record struct LossSpec(LossKind Kind, Reduction Reduction = Reduction.Mean)
{
    /// <summary>Mean squared error with <paramref name="reduction"/>.</summary>
    public static LossSpec Mse(Reduction reduction = Reduction.Mean) => new(LossKind.MeanSquaredError, reduction);
    /// <summary>Softmax cross-entropy with <paramref name="reduction"/>.</summary>
    public static LossSpec CrossEntropy(Reduction reduction = Reduction.Mean) => new(LossKind.CrossEntropy, reduction);

    /// <summary>The divisor M of method.md: N*K or N for mean, 1 for sum.</summary>
    public int Divisor(int batch, int outputs) => Reduction == Reduction.Sum ? 1
        : Kind == LossKind.MeanSquaredError ? checked(batch * outputs) : batch;

    /// <summary>File and command-line identifier: "mse" or "cross_entropy".</summary>
    public string Name => Kind == LossKind.MeanSquaredError ? "mse" : "cross_entropy";

    /// <summary>The loss and its reduction, e.g. <c>mse(mean)</c>.</summary>
    public override string ToString() => $"{Name}({Reduction.ToString().ToLowerInvariant()})";
}
