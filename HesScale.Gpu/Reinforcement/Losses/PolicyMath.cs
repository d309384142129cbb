namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// Shared pieces of the policy losses: a stable softmax, the variance head's positivity transform
/// var = softplus(z) + minVar with its first two derivatives, and the diagonal Gaussian log-density.
/// </summary>
public static class PolicyMath
{
    /// <summary>Softmax of one row of logits into <paramref name="p"/> (max subtracted first).</summary>
    public static void Softmax(ReadOnlySpan<float> logits, Span<double> p)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);
        double sum = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            p[c] = Math.Exp(logits[c] - max);
            sum += p[c];
        }
        for (int c = 0; c < logits.Length; c++) p[c] /= sum;
    }

    /// <summary>log softmax(logits)[a].</summary>
    public static double LogProbability(ReadOnlySpan<float> logits, int a)
    {
        double max = double.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);
        double sum = 0;
        foreach (float z in logits) sum += Math.Exp(z - max);
        return logits[a] - max - Math.Log(sum);
    }

    /// <summary>softplus(z) = log(1 + e^z), computed without overflow.</summary>
    public static double Softplus(double z) => Math.Max(z, 0) + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    /// <summary>The logistic function 1 / (1 + e^-z), computed without overflow.</summary>
    public static double Sigmoid(double z) => z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));

    /// <summary>The variance network's positivity transform: var = softplus(z) + minVar.</summary>
    public static double Variance(double z, double minVariance) => Softplus(z) + minVariance;

    /// <summary>log N(a; mu, var) for one dimension.</summary>
    public static double GaussianLogDensity(double a, double mu, double variance)
    {
        double d = a - mu;
        return -d * d / (2 * variance) - 0.5 * Math.Log(variance) - 0.5 * Math.Log(2 * Math.PI);
    }

    /// <summary>
    /// For f(v) = (a - mu)^2 / (2 v) + log(v) / 2 (the negative log-density up to a constant) returns
    /// f'(v) = 1/(2v) - d^2/(2v^2) and f''(v) = d^2/v^3 - 1/(2v^2), d = a - mu.
    /// </summary>
    public static (double First, double Second) NegLogDensityVarianceSlope(double a, double mu, double v)
    {
        double d2 = (a - mu) * (a - mu);
        return (1 / (2 * v) - d2 / (2 * v * v), d2 / (v * v * v) - 1 / (2 * v * v));
    }

    /// <summary>
    /// df/dz and d2f/dz2 of the same f through var = softplus(z) + minVar (chain rule: f' s and
    /// f'' s^2 + f' s (1 - s), s = sigmoid(z)).
    /// </summary>
    public static (double First, double Second) NegLogDensityVarianceDerivatives(double a, double mu, double z, double minVariance)
    {
        var t = VarianceTransform.Softplus(minVariance);
        var (fv, fvv) = NegLogDensityVarianceSlope(a, mu, t.Value(z));
        var (t1, t2) = t.Derivatives(z);
        return (fv * t1, fvv * t1 * t1 + fv * t2);
    }

    /// <summary>Whether PPO's clipped constant is the active term of min(r A, clip(r, 1-e, 1+e) A).</summary>
    public static bool PpoClipped(double ratio, double advantage, double epsilon) =>
        (advantage > 0 && ratio > 1 + epsilon) || (advantage < 0 && ratio < 1 - epsilon);

    /// <summary>min(r A, clip(r, 1-e, 1+e) A).</summary>
    public static double PpoSurrogate(double ratio, double advantage, double epsilon) =>
        Math.Min(ratio * advantage, Math.Clamp(ratio, 1 - epsilon, 1 + epsilon) * advantage);
}
