using HesScale.Gpu;

namespace HesScale.Bench.Reinforcement.Agents;

/// <summary>How the agent's networks are initialised.</summary>
public enum InitializationScheme
{
    /// <summary>
    /// Ours: PyTorch's default U(+-1/sqrt(fan_in)) for weights and biases, then the policy, mean and
    /// variance output weights times 0.01 and their biases set (0, or the variance bias).
    /// </summary>
    ScaledOutput,
    /// <summary>CleanRL PPO (mujoco.md 4.5): orthogonal weights, gain sqrt(2) for hidden layers, 1 for the critic output, 0.01 for the mean and variance outputs; biases 0.</summary>
    Orthogonal,
    /// <summary>The official A2C (mujoco.md 4.4): PyTorch's default U(+-1/sqrt(fan_in)) for weights and biases, untouched.</summary>
    PyTorchDefault,
}

/// <summary>Initialisation helpers for <see cref="InitializationScheme"/>.</summary>
public static class NetworkInitialization
{
    /// <summary>
    /// Sets every Linear layer of <paramref name="net"/> to an orthogonal matrix times the gain (hidden
    /// layers <paramref name="hiddenGain"/>, the last <paramref name="outputGain"/>) and every bias to 0.
    /// </summary>
    public static void Orthogonal(Network net, double hiddenGain, double outputGain, Random random)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(random);
        var ps = net.Spec.Parameters;
        int last = ps[^1].LayerIndex;
        foreach (var p in ps)
        {
            var values = p.IsWeight
                ? OrthogonalMatrix(p.Rows, p.Cols, p.LayerIndex == last ? outputGain : hiddenGain, random)
                : new float[p.Length];
            net.SetParameter(p.Index, values);
        }
    }

    /// <summary>
    /// A rows x cols matrix (row-major) with orthonormal rows (rows &lt;= cols) or columns (rows &gt; cols),
    /// times <paramref name="gain"/>: Gram-Schmidt on a standard normal matrix, as torch.nn.init.orthogonal_
    /// (QR with the sign of R's diagonal made positive) up to the random stream.
    /// </summary>
    public static float[] OrthogonalMatrix(int rows, int cols, double gain, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"The matrix must be at least 1 x 1, got {rows} x {cols}.");
        // Orthonormalise k = min(rows, cols) vectors of length m = max(rows, cols) (double precision, two passes for stability).
        int m = Math.Max(rows, cols), k = Math.Min(rows, cols);
        var q = new double[k][];
        for (int j = 0; j < k; j++)
        {
            var v = new double[m];
            for (int i = 0; i < m; i++) v[i] = Gaussian(random);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int prev = 0; prev < j; prev++)
                {
                    double dot = 0;
                    for (int i = 0; i < m; i++) dot += v[i] * q[prev][i];
                    for (int i = 0; i < m; i++) v[i] -= dot * q[prev][i];
                }
            }
            double norm = Math.Sqrt(v.Sum(x => x * x));
            for (int i = 0; i < m; i++) v[i] /= norm;
            q[j] = v;
        }
        var w = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                w[r * cols + c] = (float)(gain * (rows <= cols ? q[r][c] : q[c][r]));
        return w;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
