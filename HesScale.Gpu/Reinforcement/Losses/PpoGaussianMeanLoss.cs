namespace HesScale.Gpu.Reinforcement;

/// <summary>
/// PPO's clipped surrogate for a diagonal Gaussian policy, differentiated through the mean network's
/// outputs mu (N x D) with the variances constant: r = exp(log N(a; mu, var) - log p_old) summed over
/// dimensions in the log. Unclipped: with g = (a - mu)/var, dL/dmu = -(A/N) r g and
/// d2L/dmu2 = -(A/N) r (g^2 - 1/var); clipped: both 0.
/// </summary>
public sealed class PpoGaussianMeanLoss : IOutputLoss
{
    private const string Name = "PpoGaussianMeanLoss";
    private readonly float[] _actions, _variances, _oldLogProbabilities, _advantages;

    public PpoGaussianMeanLoss(int actionSize, float[] actions, float[] variances, float[] oldLogProbabilities, float[] advantages, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(variances);
        ArgumentNullException.ThrowIfNull(oldLogProbabilities);
        ArgumentNullException.ThrowIfNull(advantages);
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, $"{Name}: the action size must be positive.");
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Name}: the clip range must lie in (0, 1).");
        int n = advantages.Length;
        LossChecks.Count(actions.Length, n * actionSize, nameof(actions), Name);
        LossChecks.Count(variances.Length, n * actionSize, nameof(variances), Name);
        LossChecks.Count(oldLogProbabilities.Length, n, nameof(oldLogProbabilities), Name);
        LossChecks.Finite(actions, nameof(actions), Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        LossChecks.Finite(oldLogProbabilities, nameof(oldLogProbabilities), Name);
        for (int i = 0; i < variances.Length; i++)
        {
            if (!(variances[i] > 0) || !float.IsFinite(variances[i]))
                throw new ArgumentOutOfRangeException(nameof(variances), variances[i], $"{Name}: variances[{i}] must be positive and finite.");
        }
        ActionSize = actionSize;
        Epsilon = epsilon;
        _actions = actions;
        _variances = variances;
        _oldLogProbabilities = oldLogProbabilities;
        _advantages = advantages;
    }

    public int ActionSize { get; }
    public float Epsilon { get; }

    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, ActionSize, _advantages.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _advantages.Length, nameof(batch), Name);
        return PpoGaussianSurrogate.Evaluate(outputs, batch, width, gradient, hessianDiagonal, _oldLogProbabilities, _advantages, Epsilon,
            (i, mu) => PolicyMath.GaussianLogDensity(_actions[i], mu, _variances[i]),
            (i, mu) =>
            {
                // log p = -(a - mu)^2 / (2 var) + const: q = (a - mu) / var, q' = -1 / var.
                double v = _variances[i];
                return (((double)_actions[i] - mu) / v, -1 / v);
            });
    }
}
