namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// PPO's clipped surrogate for a categorical policy on logits z (N x K), as a loss to minimise:
/// L = -(1/N) sum_n min(r A, clip(r, 1-e, 1+e) A) with r = p_a / p_old. Where the unclipped term is
/// active, dL/dz_c = -(A/N) r (delta_ca - p_c) and d2L/dz_c2 = -(A/N) r ((delta_ca - p_c)^2 - p_c (1 - p_c));
/// where the clipped constant is active (A &gt; 0 and r &gt; 1+e, or A &lt; 0 and r &lt; 1-e) both are 0.
/// </summary>
public sealed class PpoCategoricalLoss : IOutputLoss, IOutputHessianProduct
{
    private const string Name = "PpoCategoricalLoss";
    private readonly int[] _actions;
    private readonly float[] _oldLogProbabilities, _advantages;

    /// <summary>The surrogate for <paramref name="classes"/> actions: <paramref name="actions"/>, <paramref name="oldLogProbabilities"/> (log p_old of the action taken) and <paramref name="advantages"/> per sample (N), clip range <paramref name="epsilon"/> in (0, 1).</summary>
    public PpoCategoricalLoss(int classes, int[] actions, float[] oldLogProbabilities, float[] advantages, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(oldLogProbabilities);
        ArgumentNullException.ThrowIfNull(advantages);
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, $"{Name}: at least two actions are needed.");
        if (!(epsilon > 0 && epsilon < 1)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{Name}: the clip range must lie in (0, 1).");
        LossChecks.Count(advantages.Length, actions.Length, nameof(advantages), Name);
        LossChecks.Count(oldLogProbabilities.Length, actions.Length, nameof(oldLogProbabilities), Name);
        LossChecks.Actions(actions, classes, Name);
        LossChecks.Finite(advantages, nameof(advantages), Name);
        LossChecks.Finite(oldLogProbabilities, nameof(oldLogProbabilities), Name);
        Classes = classes;
        Epsilon = epsilon;
        _actions = actions;
        _oldLogProbabilities = oldLogProbabilities;
        _advantages = advantages;
    }

    /// <summary>Number of discrete actions K.</summary>
    public int Classes { get; }
    /// <summary>Clip range e of the ratio.</summary>
    public float Epsilon { get; }
    /// <summary>Fraction of samples whose clipped term was active in the last evaluation.</summary>
    public double ClippedFraction { get; private set; }

    /// <inheritdoc/>
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        LossChecks.Shape(batch, width, Classes, _actions.Length, Name, outputs, gradient, hessianDiagonal);
        LossChecks.Count(batch, _actions.Length, nameof(batch), Name);
        Span<double> p = stackalloc double[width];
        double loss = 0;
        int clipped = 0;
        for (int n = 0; n < batch; n++)
        {
            var z = outputs.Slice(n * width, width);
            int a = _actions[n];
            double adv = _advantages[n];
            double r = Math.Exp(PolicyMath.LogProbability(z, a) - _oldLogProbabilities[n]);
            loss -= PolicyMath.PpoSurrogate(r, adv, Epsilon) / batch;
            var g = gradient.Slice(n * width, width);
            var h = hessianDiagonal.Slice(n * width, width);
            if (PolicyMath.PpoClipped(r, adv, Epsilon))
            {
                clipped++;
                g.Clear();
                h.Clear();
                continue;
            }
            PolicyMath.Softmax(z, p);
            double w = -adv / batch * r;
            for (int c = 0; c < width; c++)
            {
                double e = (c == a ? 1 : 0) - p[c];
                g[c] = (float)(w * e);
                h[c] = (float)(w * (e * e - p[c] * (1 - p[c])));
            }
        }
        ClippedFraction = clipped / (double)batch;
        return loss;
    }

    /// <summary>Unclipped: (H v)_c = w (e_c (e . v) - p_c v_c + p_c (p . v)), e = onehot(a) - p, w = -(A/N) r; clipped: 0.</summary>
    public void HessianProduct(ReadOnlySpan<float> outputs, int batch, int width, ReadOnlySpan<float> v, Span<float> result)
    {
        LossChecks.Shape(batch, width, Classes, _actions.Length, Name, outputs, result, result);
        Span<double> p = stackalloc double[width];
        for (int n = 0; n < batch; n++)
        {
            var z = outputs.Slice(n * width, width);
            var vn = v.Slice(n * width, width);
            var hv = result.Slice(n * width, width);
            int a = _actions[n];
            double adv = _advantages[n], r = Math.Exp(PolicyMath.LogProbability(z, a) - _oldLogProbabilities[n]);
            if (PolicyMath.PpoClipped(r, adv, Epsilon))
            {
                hv.Clear();
                continue;
            }
            PolicyMath.Softmax(z, p);
            double w = -adv / batch * r, ev = 0, pv = 0;
            for (int c = 0; c < width; c++)
            {
                ev += ((c == a ? 1 : 0) - p[c]) * vn[c];
                pv += p[c] * vn[c];
            }
            for (int c = 0; c < width; c++)
                hv[c] = (float)(w * (((c == a ? 1 : 0) - p[c]) * ev - p[c] * vn[c] + p[c] * pv));
        }
    }
}
