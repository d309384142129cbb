using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// Loss value and derivatives with respect to the network output y (N x K row-major), divided by M = loss.Divisor(N, K).
/// Targets are assumed validated (ReferenceTargets.Validate).
/// MSE: l = sum (y - t)^2 / M. Cross-entropy: l = sum_n (logsumexp(y_n) - y_n[t_n]) / M.
/// </summary>
internal static class LossDerivatives
{
    public static double Value(double[] y, int batch, int outputs, ReferenceTargets targets, LossSpec loss)
    {
        double m = loss.Divisor(batch, outputs), sum = 0;
        if (loss.Kind == LossKind.MeanSquaredError)
        {
            var t = targets.Values!;
            for (int i = 0; i < y.Length; i++) sum += (y[i] - t[i]) * (y[i] - t[i]);
        }
        else
        {
            for (int n = 0; n < batch; n++)
            {
                var row = y.AsSpan(n * outputs, outputs);
                double max = double.NegativeInfinity;
                foreach (var v in row) max = Math.Max(max, v);
                double s = 0;
                foreach (var v in row) s += Math.Exp(v - max);
                sum += max + Math.Log(s) - row[targets.Classes![n]];
            }
        }
        return sum / m;
    }

    /// <summary>p = softmax(y) per row, N x K.</summary>
    public static double[] Softmax(double[] y, int batch, int outputs)
    {
        var p = new double[y.Length];
        for (int n = 0; n < batch; n++)
        {
            int o = n * outputs;
            double max = double.NegativeInfinity;
            for (int k = 0; k < outputs; k++) max = Math.Max(max, y[o + k]);
            double s = 0;
            for (int k = 0; k < outputs; k++) s += p[o + k] = Math.Exp(y[o + k] - max);
            for (int k = 0; k < outputs; k++) p[o + k] /= s;
        }
        return p;
    }

    /// <summary>g = dL/dy, N x K: MSE 2 (y - t) / M; CE (p - onehot(t)) / M.</summary>
    public static double[] Gradient(double[] y, int batch, int outputs, ReferenceTargets targets, LossSpec loss)
    {
        double m = loss.Divisor(batch, outputs);
        if (loss.Kind == LossKind.MeanSquaredError)
        {
            var t = targets.Values!;
            var g = new double[y.Length];
            for (int i = 0; i < y.Length; i++) g[i] = 2.0 * (y[i] - t[i]) / m;
            return g;
        }
        var p = Softmax(y, batch, outputs);
        for (int n = 0; n < batch; n++) p[n * outputs + targets.Classes![n]] -= 1.0;
        for (int i = 0; i < p.Length; i++) p[i] /= m;
        return p;
    }

    /// <summary>
    /// The output Hessian of sample n, K x K row-major: MSE 2 I / M; CE (diag(p) - p p^T) / M.
    /// </summary>
    public static double[] SampleHessian(double[] y, int batch, int outputs, int sample, LossSpec loss)
    {
        double m = loss.Divisor(batch, outputs);
        var h = new double[outputs * outputs];
        if (loss.Kind == LossKind.MeanSquaredError)
        {
            for (int k = 0; k < outputs; k++) h[k * outputs + k] = 2.0 / m;
            return h;
        }
        var p = Softmax(y.AsSpan(sample * outputs, outputs).ToArray(), 1, outputs);
        for (int k = 0; k < outputs; k++)
        {
            for (int l = 0; l < outputs; l++) h[k * outputs + l] = ((k == l ? p[k] : 0.0) - p[k] * p[l]) / m;
        }
        return h;
    }

    /// <summary>H_out v per sample, N x K (v is N x K): MSE 2 v / M; CE (p * v - p (p . v)) / M.</summary>
    public static double[] HessianVectorProduct(double[] y, int batch, int outputs, LossSpec loss, double[] v)
    {
        double m = loss.Divisor(batch, outputs);
        var r = new double[v.Length];
        if (loss.Kind == LossKind.MeanSquaredError)
        {
            for (int i = 0; i < v.Length; i++) r[i] = 2.0 * v[i] / m;
            return r;
        }
        var p = Softmax(y, batch, outputs);
        for (int n = 0; n < batch; n++)
        {
            int o = n * outputs;
            double pv = 0;
            for (int k = 0; k < outputs; k++) pv += p[o + k] * v[o + k];
            for (int k = 0; k < outputs; k++) r[o + k] = p[o + k] * (v[o + k] - pv) / m;
        }
        return r;
    }

    /// <summary>The exact diagonal of the output Hessian, N x K: MSE 2 / M; CE p (1 - p) / M.</summary>
    public static double[] HessianDiagonal(double[] y, int batch, int outputs, LossSpec loss)
    {
        double m = loss.Divisor(batch, outputs);
        var d = new double[y.Length];
        if (loss.Kind == LossKind.MeanSquaredError)
        {
            Array.Fill(d, 2.0 / m);
            return d;
        }
        var p = Softmax(y, batch, outputs);
        for (int i = 0; i < d.Length; i++) d[i] = p[i] * (1.0 - p[i]) / m;
        return d;
    }

    /// <summary>
    /// BL89's output diagonal, N x K: for CE (p_c - p_c^2) / M at the target class c = t_n and 0 elsewhere
    /// (log-softmax treated as elementwise under an NLL loss with zero Hessian); for MSE the exact diagonal.
    /// </summary>
    public static double[] Bl89Diagonal(double[] y, int batch, int outputs, ReferenceTargets targets, LossSpec loss)
    {
        if (loss.Kind == LossKind.MeanSquaredError) return HessianDiagonal(y, batch, outputs, loss);
        double m = loss.Divisor(batch, outputs);
        var p = Softmax(y, batch, outputs);
        var d = new double[y.Length];
        for (int n = 0; n < batch; n++)
        {
            int i = n * outputs + targets.Classes![n];
            d[i] = (p[i] - p[i] * p[i]) / m;
        }
        return d;
    }
}
