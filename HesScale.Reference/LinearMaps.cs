namespace HesScale.Reference;

/// <summary>The three products of a Linear layer a = h W^T + b (h: N x I, W: O x I, b: O), dense loops in double.</summary>
internal static class LinearMaps
{
    /// <summary>a = h W^T (+ b), N x O. b may be null.</summary>
    public static double[] Forward(double[] h, double[] w, double[]? b, int batch, int inSize, int outSize)
    {
        var a = new double[batch * outSize];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outSize; o++)
            {
                double s = b is null ? 0.0 : b[o];
                for (int i = 0; i < inSize; i++) s += h[n * inSize + i] * w[o * inSize + i];
                a[n * outSize + o] = s;
            }
        }
        return a;
    }

    /// <summary>g_in = g W, N x I (g: N x O).</summary>
    public static double[] BackwardInput(double[] g, double[] w, int batch, int inSize, int outSize)
    {
        var r = new double[batch * inSize];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outSize; o++)
            {
                double go = g[n * outSize + o];
                if (go == 0.0) continue;
                for (int i = 0; i < inSize; i++) r[n * inSize + i] += go * w[o * inSize + i];
            }
        }
        return r;
    }

    /// <summary>dW = g^T h, O x I (g: N x O, h: N x I).</summary>
    public static double[] WeightGradient(double[] g, double[] h, int batch, int inSize, int outSize)
    {
        var dw = new double[outSize * inSize];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outSize; o++)
            {
                double go = g[n * outSize + o];
                if (go == 0.0) continue;
                for (int i = 0; i < inSize; i++) dw[o * inSize + i] += go * h[n * inSize + i];
            }
        }
        return dw;
    }

    /// <summary>db = sum_n g, O.</summary>
    public static double[] BiasGradient(double[] g, int batch, int outSize)
    {
        var db = new double[outSize];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outSize; o++) db[o] += g[n * outSize + o];
        }
        return db;
    }

    public static double[] Square(double[] x)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] * x[i];
        return r;
    }

    public static double[] Add(double[] x, double[] y)
    {
        var r = new double[x.Length];
        for (int i = 0; i < x.Length; i++) r[i] = x[i] + y[i];
        return r;
    }
}
