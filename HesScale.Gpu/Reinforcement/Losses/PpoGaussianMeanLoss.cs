namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// PPO's clipped surrogate for a diagonal Gaussian policy, differentiated through the mean network's
/// outputs mu (N x D) with the variances constant: r = exp(log N(a; mu, var) - log p_old) summed over
/// dimensions in the log. Unclipped: with g = (a - mu)/var, dL/dmu = -(A/N) r g and
/// d2L/dmu2 = -(A/N) r (g^2 - 1/var); clipped: both 0. <see cref="HessianSign.Official"/> negates the diagonal.
/// </summary>
public sealed class PpoGaussianMeanLoss : IOutputLoss, IOutputHessianProduct
{
    private const string Name = "PpoGaussianMeanLoss";
    private readonly float[] _actions, _variances, _oldLogProbabilities, _advantages;

    /// <summary>The surrogate with the true Hessian sign: <paramref name="actions"/> and <paramref name="variances"/> N x D (D = <paramref name="actionSize"/>), <paramref name="oldLogProbabilities"/> and <paramref name="advantages"/> N, clip range <paramref name="epsilon"/>.</summary>
    public PpoGaussianMeanLoss(int actionSize, float[] actions, float[] variances, float[] oldLogProbabilities, float[] advantages, float epsilon)
        : this(actionSize, actions, variances, oldLogProbabilities, advantages, epsilon, HessianSign.True)
    {
    }

    /// <summary>As the short constructor, with the Hessian <paramref name="sign"/>.</summary>
    public PpoGaussianMeanLoss(int actionSize, float[] actions, float[] variances, float[] oldLogProbabilities, float[] advantages, float epsilon, HessianSign sign)
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
        Sign = sign;
        _actions = actions;
        _variances = variances;
        _oldLogProbabilities = oldLogProbabilities;
        _advantages = advantages;
    }

    /// <summary>Action dimensions D (network outputs).</summary>
    public int ActionSize { get; }
    /// <summary>Clip range e of the ratio.</summary>
    public float Epsilon { get; }
    /// <summary>Which sign the Hessian diagonal is handed on with.</summary>
    public HessianSign Sign { get; }

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, ActionSize, _advantages.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _advantages.Length, nameof(batch), Name);
        return PpoGaussianSurrogate.Evaluate(outputs, batch, width, gradient, hessianDiagonal, _oldLogProbabilities, _advantages, Epsilon, Sign, LogDensity, Score);
    }

    /// <inheritdoc/>
    public void HessianProduct(ReadOnlySpan<float> outputs, int batch, int width, ReadOnlySpan<float> v, Span<float> result)
    {
        LossChecks.Shape(batch, width, ActionSize, _advantages.Length, Name, outputs, result, result);
        PpoGaussianSurrogate.HessianProduct(outputs, batch, width, v, result, _oldLogProbabilities, _advantages, Epsilon, LogDensity, Score);
    }

    private double LogDensity(int i, float mu) => PolicyMath.GaussianLogDensity(_actions[i], mu, _variances[i]);

    // log p = -(a - mu)^2 / (2 var) + const: dlog p/dmu = (a - mu) / var, d2 = -1 / var; mu is the output itself.
    private GaussianScore Score(int i, float mu) => new(((double)_actions[i] - mu) / _variances[i], -1.0 / _variances[i], 1, 0);
}
