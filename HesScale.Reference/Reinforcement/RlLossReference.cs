namespace HesScale.Reference.Reinforcement;

/// <summary>
/// The RL losses written once as plain formulas over hyper-dual numbers, in double precision:
/// <see cref="Derivatives"/> seeds one output at a time and reads the exact gradient and Hessian
/// diagonal with respect to the outputs. Shares no code with HesScale.Gpu.Reinforcement.
/// All losses are the quantities being minimised, averaged over the batch.
/// </summary>
public static class RlLossReference
{
    /// <summary>Loss value, gradient and Hessian diagonal of <paramref name="loss"/> at <paramref name="outputs"/>.</summary>
    public static (double Loss, double[] Gradient, double[] Diagonal) Derivatives(Func<HyperDual[], HyperDual> loss, IReadOnlyList<double> outputs)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(outputs);
        var x = outputs.Select(HyperDual.Constant).ToArray();
        double value = loss(x).Value;
        var gradient = new double[x.Length];
        var diagonal = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = HyperDual.Variable(outputs[i]);
            var r = loss(x);
            gradient[i] = r.E1;
            diagonal[i] = r.E12;
            x[i] = HyperDual.Constant(outputs[i]);
        }
        return (value, gradient, diagonal);
    }

    private static HyperDual LogSoftmax(HyperDual[] z, int offset, int k, int a)
    {
        HyperDual sum = 0;
        for (int c = 0; c < k; c++) sum += HyperDual.Exp(z[offset + c]);
        return z[offset + a] - HyperDual.Log(sum);
    }

    private static HyperDual GaussianLog(HyperDual mu, HyperDual variance, double a)
    {
        var d = a - mu;
        return -(d * d) / (2.0 * variance) - 0.5 * HyperDual.Log(variance) - 0.5 * Math.Log(2 * Math.PI);
    }

    /// <summary>var = log(1 + e^z) + minVar.</summary>
    public static HyperDual Variance(HyperDual z, double minVariance) => HyperDual.Log(1.0 + HyperDual.Exp(z)) + minVariance;

    private static HyperDual Surrogate(HyperDual ratio, double advantage, double epsilon) =>
        HyperDual.Min(ratio * advantage, HyperDual.Clamp(ratio, 1 - epsilon, 1 + epsilon) * advantage);

    /// <summary>-(1/N) sum A log softmax(z)[a] on logits (N x K).</summary>
    public static Func<HyperDual[], HyperDual> PolicyGradient(int k, int[] actions, double[] advantages) => z =>
    {
        int n = actions.Length;
        HyperDual total = 0;
        for (int s = 0; s < n; s++) total -= advantages[s] * LogSoftmax(z, s * k, k, actions[s]);
        return total / n;
    };

    /// <summary>(1/N) sum A sum_d ((a - mu)^2/(2 var) + log(var)/2), outputs mu (N x D).</summary>
    public static Func<HyperDual[], HyperDual> GaussianMean(int dims, double[] actions, double[] variances, double[] advantages) => mu =>
    {
        int n = advantages.Length;
        HyperDual total = 0;
        for (int s = 0; s < n; s++)
            for (int d = 0; d < dims; d++)
            {
                int i = s * dims + d;
                total -= advantages[s] * (GaussianLog(mu[i], variances[i], actions[i]) + 0.5 * Math.Log(2 * Math.PI));
            }
        return total / n;
    };

    /// <summary>The official variance head: var = e^z.</summary>
    public static HyperDual ExpVariance(HyperDual z) => HyperDual.Exp(z);

    /// <summary>
    /// (H v)_i of <paramref name="loss"/>'s full Hessian at <paramref name="outputs"/>: output j carries e1 = v_j and
    /// e2 = delta_ij, so the e1e2 part is sum_j v_j d2L/dy_j dy_i.
    /// </summary>
    public static double[] HessianTimes(Func<HyperDual[], HyperDual> loss, IReadOnlyList<double> outputs, IReadOnlyList<double> v)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(v);
        var result = new double[outputs.Count];
        for (int i = 0; i < result.Length; i++)
        {
            var x = outputs.Select((o, j) => new HyperDual(o, v[j], j == i ? 1 : 0, 0)).ToArray();
            result[i] = loss(x).E12;
        }
        return result;
    }

    /// <summary>The same NLL with outputs z (N x D) and var = softplus(z) + minVar.</summary>
    public static Func<HyperDual[], HyperDual> GaussianVariance(int dims, double[] actions, double[] means, double[] advantages, double minVariance) =>
        GaussianVariance(dims, actions, means, advantages, z => Variance(z, minVariance));

    /// <summary>The same NLL with outputs z (N x D) and var = <paramref name="variance"/>(z).</summary>
    public static Func<HyperDual[], HyperDual> GaussianVariance(int dims, double[] actions, double[] means, double[] advantages, Func<HyperDual, HyperDual> variance) => z =>
    {
        int n = advantages.Length;
        HyperDual total = 0;
        for (int s = 0; s < n; s++)
            for (int d = 0; d < dims; d++)
            {
                int i = s * dims + d;
                total -= advantages[s] * (GaussianLog(means[i], variance(z[i]), actions[i]) + 0.5 * Math.Log(2 * Math.PI));
            }
        return total / n;
    };

    /// <summary>-(1/N) sum min(r A, clip(r) A), r = exp(log softmax(z)[a] - old), outputs z (N x K).</summary>
    public static Func<HyperDual[], HyperDual> PpoCategorical(int k, int[] actions, double[] oldLogProbabilities, double[] advantages, double epsilon) => z =>
    {
        int n = actions.Length;
        HyperDual total = 0;
        for (int s = 0; s < n; s++)
        {
            var ratio = HyperDual.Exp(LogSoftmax(z, s * k, k, actions[s]) - oldLogProbabilities[s]);
            total -= Surrogate(ratio, advantages[s], epsilon);
        }
        return total / n;
    };

    /// <summary>Gaussian PPO through the means: outputs mu (N x D), variances constant.</summary>
    public static Func<HyperDual[], HyperDual> PpoGaussianMean(int dims, double[] actions, double[] variances, double[] oldLogProbabilities, double[] advantages, double epsilon) => mu =>
    {
        int n = advantages.Length;
        HyperDual total = 0;
        for (int s = 0; s < n; s++)
        {
            HyperDual logp = 0;
            for (int d = 0; d < dims; d++) logp += GaussianLog(mu[s * dims + d], variances[s * dims + d], actions[s * dims + d]);
            total -= Surrogate(HyperDual.Exp(logp - oldLogProbabilities[s]), advantages[s], epsilon);
        }
        return total / n;
    };

    /// <summary>Gaussian PPO through the variance head: outputs z (N x D), var = softplus(z) + minVar, means constant.</summary>
    public static Func<HyperDual[], HyperDual> PpoGaussianVariance(int dims, double[] actions, double[] means, double[] oldLogProbabilities, double[] advantages, double epsilon, double minVariance) =>
        PpoGaussianVariance(dims, actions, means, oldLogProbabilities, advantages, epsilon, z => Variance(z, minVariance));

    /// <summary>Gaussian PPO through the variance head with var = <paramref name="variance"/>(z), means constant.</summary>
    public static Func<HyperDual[], HyperDual> PpoGaussianVariance(int dims, double[] actions, double[] means, double[] oldLogProbabilities, double[] advantages, double epsilon,
        Func<HyperDual, HyperDual> variance) => z =>
    {
        int n = advantages.Length;
        HyperDual total = 0;
        for (int s = 0; s < n; s++)
        {
            HyperDual logp = 0;
            for (int d = 0; d < dims; d++) logp += GaussianLog(means[s * dims + d], variance(z[s * dims + d]), actions[s * dims + d]);
            total -= Surrogate(HyperDual.Exp(logp - oldLogProbabilities[s]), advantages[s], epsilon);
        }
        return total / n;
    };

    /// <summary>(1/N) sum (v - R)^2, outputs v (N x 1).</summary>
    public static Func<HyperDual[], HyperDual> Mse(double[] targets) => v =>
    {
        HyperDual total = 0;
        for (int s = 0; s < targets.Length; s++)
        {
            var e = v[s] - targets[s];
            total += e * e;
        }
        return total / targets.Length;
    };
}
