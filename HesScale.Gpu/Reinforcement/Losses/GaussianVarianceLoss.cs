namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// Gaussian negative log-likelihood for the variance network, weighted by advantages. The network
/// outputs raw z (N x D); the positivity transform var = f(z) (<see cref="VarianceTransform"/>) sits inside
/// this loss, so its derivatives are part of dL/dz and d2L/dz2.
/// L = (1/N) sum_n A_n sum_d ((a - mu)^2 / (2 var) + log(var) / 2) with a, mu (N x D) and A (N) constant.
/// With L_v, L_vv the derivatives in var: dL/dz = L_v f', diagonal = s L_vv f'^2 + L_v f'' where s = +1
/// (<see cref="HessianSign.True"/>) or -1 (<see cref="HessianSign.Official"/>).
/// </summary>
public sealed class GaussianVarianceLoss : IOutputLoss
{
    private const string Name = "GaussianVarianceLoss";
    private readonly float[] _actions, _means, _advantages;

    /// <summary>The loss with the softplus transform (floor <paramref name="minVariance"/>) and the true Hessian sign: <paramref name="actions"/> and <paramref name="means"/> N x D (D = <paramref name="actionSize"/>), <paramref name="advantages"/> N.</summary>
    public GaussianVarianceLoss(int actionSize, float[] actions, float[] means, float[] advantages, float minVariance)
        : this(actionSize, actions, means, advantages, VarianceTransform.Softplus(minVariance), HessianSign.True)
    {
    }

    /// <summary>As the short constructor, with the variance <paramref name="transform"/>, the Hessian <paramref name="sign"/> and, when <paramref name="averageOverActions"/>, 1/(N D) instead of 1/N.</summary>
    public GaussianVarianceLoss(int actionSize, float[] actions, float[] means, float[] advantages, VarianceTransform transform, HessianSign sign, bool averageOverActions = false)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(advantages);
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, $"{Name}: the action size must be positive.");
        transform.Validate(Name);
        LossChecks.Count(actions.Length, advantages.Length * actionSize, nameof(actions), Name);
        LossChecks.Count(means.Length, advantages.Length * actionSize, nameof(means), Name);
        LossChecks.Finite(actions, nameof(actions), Name);
        LossChecks.Finite(means, nameof(means), Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        ActionSize = actionSize;
        Transform = transform;
        Sign = sign;
        AverageOverActions = averageOverActions;
        _actions = actions;
        _means = means;
        _advantages = advantages;
    }

    /// <summary>Action dimensions D (network outputs).</summary>
    public int ActionSize { get; }
    /// <summary>The positivity transform var = f(z) applied inside the loss.</summary>
    public VarianceTransform Transform { get; }
    /// <summary>Which sign the part in var is handed on with.</summary>
    public HessianSign Sign { get; }
    /// <summary>
    /// Average over the N x D elements instead of summing over D (the official A2C loss): loss, gradient and the true
    /// diagonal carry 1/(N D). With <see cref="HessianSign.Official"/> the part in the distribution parameter keeps the
    /// official 1/N (mujoco.md 4.6: "A2C divides by N only").
    /// </summary>
    public bool AverageOverActions { get; }

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, ActionSize, _advantages.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _advantages.Length, nameof(batch), Name);
        double loss = 0, sign = Sign.Factor();
        for (int n = 0; n < batch; n++)
        {
            double w = _advantages[n] / (double)(AverageOverActions ? batch * width : batch);
            double wh = AverageOverActions && Sign == HessianSign.Official ? w * width : w;
            for (int d = 0; d < width; d++)
            {
                int i = n * width + d;
                double v = Transform.Value(outputs[i]), diff = (double)_actions[i] - _means[i];
                loss += w * (diff * diff / (2 * v) + 0.5 * Math.Log(v));
                var (fv, fvv) = PolicyMath.NegLogDensityVarianceSlope(_actions[i], _means[i], v);
                var (t1, t2) = Transform.Derivatives(outputs[i]);
                gradient[i] = (float)(w * fv * t1);
                hessianDiagonal[i] = (float)(sign * wh * fvv * t1 * t1 + w * fv * t2);
            }
        }
        return loss;
    }
}
