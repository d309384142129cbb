namespace HesScale.Gpu.Reinforcement;

/// <summary>
/// PPO's clipped surrogate for a diagonal Gaussian policy, differentiated through the variance
/// network's raw outputs z (N x D), var = softplus(z) + minVar inside the loss, means constant.
/// With q = dlog p/dz and q' = d2log p/dz2 (through the transform), unclipped:
/// dL/dz = -(A/N) r q and d2L/dz2 = -(A/N) r (q^2 + q'); clipped: both 0.
/// </summary>
public sealed class PpoGaussianVarianceLoss : IOutputLoss
{
    private const string Name = "PpoGaussianVarianceLoss";
    private readonly float[] _actions, _means, _oldLogProbabilities, _advantages;

    public PpoGaussianVarianceLoss(int actionSize, float[] actions, float[] means, float[] oldLogProbabilities, float[] advantages, float epsilon, float minVariance)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(oldLogProbabilities);
        ArgumentNullException.ThrowIfNull(advantages);
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, $"{Name}: the action size must be positive.");
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Name}: the clip range must lie in (0, 1).");
        if (!(minVariance > 0) || !float.IsFinite(minVariance)) throw new ArgumentOutOfRangeException(nameof(minVariance), minVariance, $"{Name}: the minimum variance must be positive and finite.");
        int n = advantages.Length;
        LossChecks.Count(actions.Length, n * actionSize, nameof(actions), Name);
        LossChecks.Count(means.Length, n * actionSize, nameof(means), Name);
        LossChecks.Count(oldLogProbabilities.Length, n, nameof(oldLogProbabilities), Name);
        LossChecks.Finite(actions, nameof(actions), Name);
        LossChecks.Finite(means, nameof(means), Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        LossChecks.Finite(oldLogProbabilities, nameof(oldLogProbabilities), Name);
        ActionSize = actionSize;
        Epsilon = epsilon;
        MinVariance = minVariance;
        _actions = actions;
        _means = means;
        _oldLogProbabilities = oldLogProbabilities;
        _advantages = advantages;
    }

    public int ActionSize { get; }
    public float Epsilon { get; }
    public float MinVariance { get; }

    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, ActionSize, _advantages.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _advantages.Length, nameof(batch), Name);
        return PpoGaussianSurrogate.Evaluate(outputs, batch, width, gradient, hessianDiagonal, _oldLogProbabilities, _advantages, Epsilon,
            (i, z) => PolicyMath.GaussianLogDensity(_actions[i], _means[i], PolicyMath.Variance(z, MinVariance)),
            (i, z) =>
            {
                // log p = -f - const, so q = -f' and q' = -f''.
                var (first, second) = PolicyMath.NegLogDensityVarianceDerivatives(_actions[i], _means[i], z, MinVariance);
                return (-first, -second);
            });
    }
}
