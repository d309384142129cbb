namespace HesScale.Gpu.Reinforcement;

/// <summary>Optimizer hyper-parameters for the RL agents (method.md: Adam defaults; delta and alphaMax for step-size scaling).</summary>
public sealed record RlOptimizerSettings
{
    public float LearningRate { get; init; } = 3e-4f;
    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Bound on the quadratic model's predicted change per step for scaled_* optimizers.</summary>
    public float Delta { get; init; } = 1e-4f;
    public float AlphaMax { get; init; } = 1f;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first invalid field.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive and finite.");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "Beta1 must lie in [0, 1).");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "Beta2 must lie in [0, 1).");
        if (!(Epsilon > 0) || !float.IsFinite(Epsilon)) throw new ArgumentOutOfRangeException(nameof(Epsilon), Epsilon, "Epsilon must be positive and finite.");
        if (!(Delta > 0) || !float.IsFinite(Delta)) throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "Delta must be positive and finite.");
        if (!(AlphaMax > 0) || !float.IsFinite(AlphaMax)) throw new ArgumentOutOfRangeException(nameof(AlphaMax), AlphaMax, "AlphaMax must be positive and finite.");
    }
}
