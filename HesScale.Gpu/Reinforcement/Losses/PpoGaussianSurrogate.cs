namespace HesScale.Gpu.Reinforcement;

/// <summary>
/// The part PPO's Gaussian losses share: L = -(1/N) sum_n min(r A, clip(r, 1-e, 1+e) A) with
/// r = exp(sum_d log p_d - log p_old), differentiated through one Gaussian parameter per output
/// element (the mean, or the variance's raw output). With q = dlog p/du and q' = d2log p/du2 for
/// that parameter u, unclipped: dL/du = -(A/N) r q, d2L/du2 = -(A/N) r (q^2 + q'); clipped: both 0.
/// </summary>
internal static class PpoGaussianSurrogate
{
    /// <summary>
    /// Loss of a batch of outputs (N x D); writes dL/du and d2L/du2 per element. logDensity(i, u)
    /// is log p of element i, score(i, u) its (q, q').
    /// </summary>
    public static double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal,
        float[] oldLogProbabilities, float[] advantages, float epsilon,
        Func<int, float, double> logDensity, Func<int, float, (double Q, double DQ)> score)
    {
        double loss = 0;
        for (int n = 0; n < batch; n++)
        {
            double logp = 0;
            for (int d = 0; d < width; d++)
            {
                int i = n * width + d;
                logp += logDensity(i, outputs[i]);
            }
            double adv = advantages[n], r = Math.Exp(logp - oldLogProbabilities[n]);
            loss -= PolicyMath.PpoSurrogate(r, adv, epsilon) / batch;
            bool clipped = PolicyMath.PpoClipped(r, adv, epsilon);
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
                var (q, dq) = score(i, outputs[i]);
                gradient[i] = (float)(w * q);
                hessianDiagonal[i] = (float)(w * (q * q + dq));
            }
        }
        return loss;
    }
}
