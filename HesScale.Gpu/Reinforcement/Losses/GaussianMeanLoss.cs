namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// Gaussian negative log-likelihood for the mean network, weighted by advantages: outputs mu (N x D),
/// constants a, var (N x D) and A (N): L = (1/N) sum_n A_n sum_d ((a - mu)^2 / (2 var) + log(var) / 2).
/// dL/dmu = -(A/N)(a - mu)/var, d2L/dmu2 = (A/N)/var; with <see cref="HessianSign.Official"/> the
/// diagonal handed on is -(A/N)/var (the official code's sign), the gradient unchanged.
/// </summary>
public sealed class GaussianMeanLoss : IOutputLoss
{
    private const string Name = "GaussianMeanLoss";
    private readonly float[] _actions, _variances, _advantages;

    /// <summary>The loss with the true Hessian sign, summed over the <paramref name="actionSize"/> dimensions: <paramref name="actions"/> and <paramref name="variances"/> N x D, <paramref name="advantages"/> N.</summary>
    public GaussianMeanLoss(int actionSize, float[] actions, float[] variances, float[] advantages)
        : this(actionSize, actions, variances, advantages, HessianSign.True)
    {
    }

    /// <summary>As the short constructor, with the Hessian <paramref name="sign"/> and, when <paramref name="averageOverActions"/>, 1/(N D) instead of 1/N.</summary>
    public GaussianMeanLoss(int actionSize, float[] actions, float[] variances, float[] advantages, HessianSign sign, bool averageOverActions = false)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(variances);
        ArgumentNullException.ThrowIfNull(advantages);
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, $"{Name}: the action size must be positive.");
        LossChecks.Count(actions.Length, advantages.Length * actionSize, nameof(actions), Name);
        LossChecks.Count(variances.Length, advantages.Length * actionSize, nameof(variances), Name);
        LossChecks.Finite(actions, nameof(actions), Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        for (int i = 0; i < variances.Length; i++)
        {
            if (!(variances[i] > 0) || !float.IsFinite(variances[i]))
                throw new ArgumentOutOfRangeException(nameof(variances), variances[i], $"{Name}: variances[{i}] must be positive and finite.");
        }
        ActionSize = actionSize;
        Sign = sign;
        AverageOverActions = averageOverActions;
        _actions = actions;
        _variances = variances;
        _advantages = advantages;
    }

    /// <summary>Action dimensions D (network outputs).</summary>
    public int ActionSize { get; }
    /// <summary>Which sign the Hessian diagonal is handed on with.</summary>
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
                double v = _variances[i], diff = (double)_actions[i] - outputs[i];
                loss += w * (diff * diff / (2 * v) + 0.5 * Math.Log(v));
                gradient[i] = (float)(-w * diff / v);
                hessianDiagonal[i] = (float)(sign * wh / v);
            }
        }
        return loss;
    }
}
