namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// A2C's discrete policy loss, advantage-weighted cross-entropy on logits z (N x K):
/// L = -(1/N) sum_n A_n log softmax(z_n)[a_n]. dL/dz_c = -(A/N)(delta_ca - p_c) and
/// d2L/dz_c2 = (A/N) p_c (1 - p_c), negative where A &lt; 0.
/// </summary>
public sealed class PolicyGradientLoss : IOutputLoss, IOutputHessianProduct
{
    private const string Name = "PolicyGradientLoss";
    private readonly int[] _actions;
    private readonly float[] _advantages;

    /// <param name="classes">Number of discrete actions (network outputs).</param>
    /// <param name="actions">Action taken per sample (N).</param>
    /// <param name="advantages">Advantage per sample (N), treated as constants.</param>
    public PolicyGradientLoss(int classes, int[] actions, float[] advantages)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(advantages);
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"{Name}: at least two actions are needed.");
        LossChecks.Count(advantages.Length, actions.Length, nameof(advantages), Name);
        LossChecks.Actions(actions, classes, Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        Classes = classes;
        _actions = actions;
        _advantages = advantages;
    }

    /// <summary>Number of discrete actions K.</summary>
    public int Classes { get; }

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, Classes, _actions.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _actions.Length, nameof(batch), Name);
        Span<double> p = stackalloc double[width];
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            var z = outputs.Slice(n * width, width);
            PolicyMath.Softmax(z, p);
            double w = _advantages[n] / (double)batch;
            int a = _actions[n];
            loss -= w * PolicyMath.LogProbability(z, a);
            for (int c = 0; c < width; c++)
            {
                gradient[n * width + c] = (float)(-w * ((c == a ? 1 : 0) - p[c]));
                hessianDiagonal[n * width + c] = (float)(w * p[c] * (1 - p[c]));
            }
        }
        return loss;
    }

    /// <summary>(H v)_c = (A/N) p_c (v_c - p . v): the softmax Hessian diag(p) - p p^T times v, weighted.</summary>
    public void HessianProduct(ReadOnlySpan<float> outputs, int batch, int width, ReadOnlySpan<float> v, Span<float> result)
    {
        LossChecks.Shape(batch, width, Classes, _actions.Length, Name, outputs, result, result);
        Span<double> p = stackalloc double[width];
        for (int n = 0; n < batch; n++)
        {
            PolicyMath.Softmax(outputs.Slice(n * width, width), p);
            double w = _advantages[n] / (double)batch, pv = 0;
            for (int c = 0; c < width; c++) pv += p[c] * v[n * width + c];
            for (int c = 0; c < width; c++) result[n * width + c] = (float)(w * p[c] * (v[n * width + c] - pv));
        }
    }
}
