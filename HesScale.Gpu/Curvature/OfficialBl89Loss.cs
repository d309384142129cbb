namespace HesScale.Gpu.Curvature;

/// <summary>
/// The output quantities of BL89 as the official code computes it for cross-entropy: the ordinary
/// gradient (p - onehot(t)) / M, and an output-Hessian diagonal of zero (its LogSoftmax term is lost
/// to a stale tag check, method.md). The HesScale recursion from there keeps only the activations'
/// s''(a) g_z terms: zero for the last Linear layer.
/// </summary>
internal sealed class OfficialBl89Loss(int[] classes, LossSpec loss) : IOutputLoss
{
    public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
    {
        double invM = 1.0 / loss.Divisor(batch, width), total = 0;
        for (int s = 0; s < batch; s++)
        {
            var y = outputs.Slice(s * width, width);
            double max = double.NegativeInfinity;
            foreach (float v in y) max = Math.Max(max, v);
            double sum = 0;
            foreach (float v in y) sum += Math.Exp(v - max);
            double logZ = max + Math.Log(sum);
            total += (logZ - y[classes[s]]) * invM;
            for (int j = 0; j < width; j++)
            {
                gradient[s * width + j] = (float)((Math.Exp(y[j] - logZ) - (j == classes[s] ? 1 : 0)) * invM);
                hessianDiagonal[s * width + j] = 0f;
            }
        }
        return total;
    }
}
