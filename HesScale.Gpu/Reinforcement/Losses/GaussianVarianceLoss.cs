namespace HesScale.Gpu.Reinforcement;

/// <summary>
/// Gaussian negative log-likelihood for the variance network, weighted by advantages. The network
/// outputs raw z (N x D); the positivity transform var = softplus(z) + minVar sits inside this loss,
/// so its derivatives are part of dL/dz and d2L/dz2 (see <see cref="PolicyMath.NegLogDensityVarianceDerivatives"/>).
/// L = (1/N) sum_n A_n sum_d ((a - mu)^2 / (2 var) + log(var) / 2) with a, mu (N x D) and A (N) constant.
/// </summary>
public sealed class GaussianVarianceLoss : IOutputLoss
{
    private const string Name = "GaussianVarianceLoss";
    private readonly float[] _actions, _means, _advantages;

    public GaussianVarianceLoss(int actionSize, float[] actions, float[] means, float[] advantages, float minVariance)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(means);
        ArgumentNullException.ThrowIfNull(advantages);
        if (actionSize <= 0) throw new ArgumentOutOfRangeException(nameof(actionSize), actionSize, $"{Name}: the action size must be positive.");
        if (!(minVariance > 0) || !float.IsFinite(minVariance)) throw new ArgumentOutOfRangeException(nameof(minVariance), minVariance, $"{Name}: the minimum variance must be positive and finite.");
        LossChecks.Count(actions.Length, advantages.Length * actionSize, nameof(actions), Name);
        LossChecks.Count(means.Length, advantages.Length * actionSize, nameof(means), Name);
        LossChecks.Finite(actions, nameof(actions), Name);
        LossChecks.Finite(means, nameof(means), Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        ActionSize = actionSize;
        MinVariance = minVariance;
        _actions = actions;
        _means = means;
        _advantages = advantages;
    }

    public int ActionSize { get; }
    public float MinVariance { get; }

    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, ActionSize, _advantages.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _advantages.Length, nameof(batch), Name);
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            double w = _advantages[n] / (double)batch;
            for (int d = 0; d < width; d++)
            {
                int i = n * width + d;
                double v = PolicyMath.Variance(outputs[i], MinVariance), diff = (double)_actions[i] - _means[i];
                loss += w * (diff * diff / (2 * v) + 0.5 * Math.Log(v));
                var (first, second) = PolicyMath.NegLogDensityVarianceDerivatives(_actions[i], _means[i], outputs[i], MinVariance);
                gradient[i] = (float)(w * first);
                hessianDiagonal[i] = (float)(w * second);
            }
        }
        return loss;
    }
}
