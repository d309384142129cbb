namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// PPO's clipped surrogate for a diagonal Gaussian policy, differentiated through the variance
/// network's raw outputs z (N x D), var = f(z) (<see cref="VarianceTransform"/>) inside the loss, means constant.
/// With q = dlog p/dz and q' = d2log p/dz2 (through the transform), unclipped:
/// dL/dz = -(A/N) r q and d2L/dz2 = -(A/N) r (q^2 + q'); clipped: both 0. <see cref="HessianSign.Official"/>
/// negates the part in var (see <see cref="PpoGaussianSurrogate"/>).
/// </summary>
public sealed class PpoGaussianVarianceLoss : IOutputLoss, IOutputHessianProduct
{
    private const string Name = "PpoGaussianVarianceLoss";
    private readonly float[] _actions, _means, _oldLogProbabilities, _advantages;

    /// <summary>The surrogate with the softplus transform (floor <paramref name="minVariance"/>) and the true Hessian sign: <paramref name="actions"/> and <paramref name="means"/> N x D (D = <paramref name="actionSize"/>), <paramref name="oldLogProbabilities"/> and <paramref name="advantages"/> N, clip range <paramref name="epsilon"/>.</summary>
    public PpoGaussianVarianceLoss(int actionSize, float[] actions, float[] means, float[] oldLogProbabilities, float[] advantages, float epsilon, float minVariance)
        : this(actionSize, actions, means, oldLogProbabilities, advantages, epsilon, VarianceTransform.Softplus(minVariance), HessianSign.True)
    {
    }

    /// <summary>As the short constructor, with the variance <paramref name="transform"/> and the Hessian <paramref name="sign"/>.</summary>
    public PpoGaussianVarianceLoss(int actionSize, float[] actions, float[] means, float[] oldLogProbabilities, float[] advantages, float epsilon,
        VarianceTransform transform, HessianSign sign)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(oldLogProbabilities);
        ArgumentNullException.ThrowIfNull(advantages);
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, $"{Name}: the action size must be positive.");
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Name}: the clip range must lie in (0, 1).");
        transform.Validate(Name);
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
        Transform = transform;
        Sign = sign;
        _actions = actions;
        _means = means;
        _oldLogProbabilities = oldLogProbabilities;
        _advantages = advantages;
    }

    /// <summary>Action dimensions D (network outputs).</summary>
    public int ActionSize { get; }
    /// <summary>Clip range e of the ratio.</summary>
    public float Epsilon { get; }
    /// <summary>The positivity transform var = f(z) applied inside the loss.</summary>
    public VarianceTransform Transform { get; }
    /// <summary>Which sign the part in var is handed on with.</summary>
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

    private double LogDensity(int i, float z) => PolicyMath.GaussianLogDensity(_actions[i], _means[i], Transform.Value(z));

    // log p = -f(var) - const, so dlog p/dvar = -f', d2 = -f''; then through var = f(z).
    private GaussianScore Score(int i, float z)
    {
        var (fv, fvv) = PolicyMath.NegLogDensityVarianceSlope(_actions[i], _means[i], Transform.Value(z));
        var (t1, t2) = Transform.Derivatives(z);
        return new GaussianScore(-fv, -fvv, t1, t2);
    }
}
