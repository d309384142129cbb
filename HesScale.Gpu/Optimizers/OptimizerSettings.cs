namespace HesScale.Gpu.Optimizers;

/// <summary>
/// Hyper-parameters shared by every optimizer (each reads the ones it uses). Defaults follow
/// PyTorch's Adam and the official HesScale code (delta 1e-4, alpha_max 1).
/// </summary>
public sealed record OptimizerSettings
{
    /// <summary>Step size (>= 0).</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>EMA factor of the first moment, in [0, 1).</summary>
    public float Beta1 { get; init; } = 0.9f;
    /// <summary>EMA factor of the second moment (squared gradients or squared curvature), in [0, 1).</summary>
    public float Beta2 { get; init; } = 0.999f;
    /// <summary>Added to the denominator (>= 0).</summary>
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>SGD momentum (>= 0; 0 = plain SGD). PyTorch semantics, dampening 0.</summary>
    public float Momentum { get; init; }
    /// <summary>L2 penalty added to the gradient, g += wd * theta (>= 0), as PyTorch's SGD and Adam.</summary>
    public float WeightDecay { get; init; }
    /// <summary>Step-size scaling: bound on the quadratic model's predicted change (> 0).</summary>
    public float Delta { get; init; } = 1e-4f;
    /// <summary>Step-size scaling: largest scale alpha (> 0).</summary>
    public float AlphaMax { get; init; } = 1f;
    /// <summary>Monte-Carlo samples per step for AdaHessian and AdaGGNMC (>= 1).</summary>
    public int Samples { get; init; } = 1;
    /// <summary>Seed of the sampling estimators (AdaHessian, AdaGGNMC).</summary>
    public ulong Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        NonNegative(LearningRate, nameof(LearningRate));
        Beta(Beta1, nameof(Beta1));
        Beta(Beta2, nameof(Beta2));
        NonNegative(Epsilon, nameof(Epsilon));
        NonNegative(Momentum, nameof(Momentum));
        NonNegative(WeightDecay, nameof(WeightDecay));
        Positive(Delta, nameof(Delta));
        Positive(AlphaMax, nameof(AlphaMax));
        if (Samples < 1) throw new ArgumentOutOfRangeException(nameof(Samples), Samples, "Samples must be at least 1.");
    }

    private static void NonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number >= 0, got {value}.");
    }

    private static void Positive(float value, string name)
    {
        if (!float.IsFinite(value) || value <= 0)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number > 0, got {value}.");
    }

    private static void Beta(float value, string name)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, 1), got {value}.");
    }
}
