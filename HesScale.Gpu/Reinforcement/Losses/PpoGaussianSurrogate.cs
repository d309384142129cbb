namespace HesScale.Gpu.Reinforcement.Losses;

/// <summary>
/// How log p of one output element depends on that output y through a Gaussian parameter u = u(y)
/// (u = mu with u' = 1, u'' = 0; or u = var = f(z)): P1 = dlog p/du, P2 = d2log p/du2, T1 = du/dy, T2 = d2u/dy2.
/// </summary>
internal readonly record struct GaussianScore(double P1, double P2, double T1, double T2)
{
    /// <summary>dlog p/dy.</summary>
    public double Q => P1 * T1;
    /// <summary>d2log p/dy2.</summary>
    public double DQ => P2 * T1 * T1 + P1 * T2;
}

/// <summary>
/// The part PPO's Gaussian losses share: L = -(1/N) sum_n min(r A, clip(r, 1-e, 1+e) A) with
/// r = exp(sum_d log p_d - log p_old), differentiated through one Gaussian parameter per output
/// element (the mean, or the variance's raw output). With w = -(A/N) r and the score of
/// <see cref="GaussianScore"/>, unclipped: dL/dy = w q, d2L/dy2 = w (q^2 + q') (true sign), clipped: both 0.
/// The official sign negates the part in the parameter u, d2L/du2 = w (P1^2 + P2), and keeps the
/// transform's w P1 T2 (which HesScale's exp activation adds with the true first derivative).
/// </summary>
internal static class PpoGaussianSurrogate
{
    /// <summary>
    /// Loss of a batch of outputs (N x D); writes dL/dy and the diagonal per element. logDensity(i, y)
    /// is log p of element i, score(i, y) its <see cref="GaussianScore"/>.
    /// </summary>
    public static double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal,
        float[] oldLogProbabilities, float[] advantages, float epsilon, HessianSign sign,
        Func<int, float, double> logDensity, Func<int, float, GaussianScore> score)
    {
        double loss = 0, s = sign.Factor();
        for (int n = 0; n < batch; n++)
        {
            var (r, clipped) = Ratio(outputs, n, width, oldLogProbabilities, advantages, epsilon, logDensity);
            double adv = advantages[n];
            loss -= PolicyMath.PpoSurrogate(r, adv, epsilon) / batch;
            double w = -adv / batch * r;
            for (int d = 0; d < width; d++)
            {
                int i = n * width + d;
                if (clipped)
                {
                    gradient[i] = 0;
                    hessianDiagonal[i] = 0;
                    continue;
                }
                var g = score(i, outputs[i]);
                gradient[i] = (float)(w * g.Q);
                hessianDiagonal[i] = (float)(w * (s * (g.P1 * g.P1 + g.P2) * g.T1 * g.T1 + g.P1 * g.T2));
            }
        }
        return loss;
    }

    /// <summary>
    /// The exact (true-sign) output Hessian times v, per sample: H_ij = w (q_i q_j + delta_ij q'_i), so
    /// (H v)_i = w (q_i (q . v) + q'_i v_i); 0 where the sample is clipped. v and result are N x D.
    /// </summary>
    public static void HessianProduct(ReadOnlySpan<float> outputs, int batch, int width, ReadOnlySpan<float> v, Span<float> result,
        float[] oldLogProbabilities, float[] advantages, float epsilon,
        Func<int, float, double> logDensity, Func<int, float, GaussianScore> score)
    {
        for (int n = 0; n < batch; n++)
        {
            var (r, clipped) = Ratio(outputs, n, width, oldLogProbabilities, advantages, epsilon, logDensity);
            double w = -advantages[n] / batch * r, dot = 0;
            for (int d = 0; d < width; d++)
            {
                int i = n * width + d;
                dot += clipped ? 0 : score(i, outputs[i]).Q * v[i];
            }
            for (int d = 0; d < width; d++)
            {
                int i = n * width + d;
                if (clipped)
                {
                    result[i] = 0;
                    continue;
                }
                var g = score(i, outputs[i]);
                result[i] = (float)(w * (g.Q * dot + g.DQ * v[i]));
            }
        }
    }

    private static (double Ratio, bool Clipped) Ratio(ReadOnlySpan<float> outputs, int n, int width,
        float[] oldLogProbabilities, float[] advantages, float epsilon, Func<int, float, double> logDensity)
    {
        double logp = 0;
        for (int d = 0; d < width; d++)
        {
            int i = n * width + d;
            logp += logDensity(i, outputs[i]);
        }
        double r = Math.Exp(logp - oldLogProbabilities[n]);
        return (r, PolicyMath.PpoClipped(r, advantages[n], epsilon));
    }
}
