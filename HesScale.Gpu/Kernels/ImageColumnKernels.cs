using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// The two steps of the image layers' column and R-operator passes that the compute ops lack (native twins in
/// <see cref="Native.ImageColumns"/>): the exact conv2d parameter diagonal from signed factor columns, and
/// the R-forward of a max pool (a gather through the arg-max). One thread per output element, grid-stride loop.
/// </summary>
internal static class ImageColumnKernels
{
    /// <summary>
    /// dW[o, k] = scale * sum_{r,n} sign[r,n] (sum_p S[r,n,o,p] patch[n,p,k])^2 and db[o] = scale * sum_{r,n} sign[r,n] (sum_p S[r,n,o,p])^2:
    /// a shared weight's column is the sum over its positions, squared after summing (BackPACK's DiagGGN / DiagHessian for conv).
    /// S is (R, N, Cout, OH, OW), signs (R, N), x (N, Cin, H, W), dW (Cout, Cin*kh*kw), db (Cout) when <paramref name="hasBias"/> is 1.
    /// </summary>
    public static void ConvColumnWeight(ArrayView<float> s, ArrayView<float> signs, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db,
        Conv2dGeometry g, int columns, int n, float scale, int hasBias)
    {
        int k = g.PatchLength, cols = k + hasBias, total = g.OutChannels * cols;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int o = idx / cols, kk = idx - o * cols;
            float value = scale * ColumnWeightSum(s, signs, x, g, columns, n, o, kk);
            if (kk < k) dW[o * k + kk] = value;
            else db[o] = value;
        }
    }

    /// <summary>sum_{r,n} sign (sum_p S patch)^2 for weight (o, kk); kk = Cin*kh*kw is the bias (patch value 1).</summary>
    private static float ColumnWeightSum(ArrayView<float> s, ArrayView<float> signs, ArrayView<float> x, Conv2dGeometry g, int columns, int n, int o, int kk)
    {
        int kernel = g.KernelH * g.KernelW, positions = g.OutH * g.OutW, outSize = g.OutChannels * positions;
        int plane = g.Height * g.Width, inSize = g.InChannels * plane;
        bool bias = kk == g.PatchLength;
        int c = bias ? 0 : kk / kernel, rest = bias ? 0 : kk - c * kernel;
        int u = rest / g.KernelW, v = rest - u * g.KernelW;
        float sum = 0f;
        for (int row = 0; row < columns * n; row++)
        {
            int sample = row % n, sBase = row * outSize + o * positions, xBase = sample * inSize + c * plane;
            float acc = 0f;
            for (int p = 0; p < positions; p++)
            {
                int i = p / g.OutW, j = p - i * g.OutW;
                if (bias)
                {
                    acc += s[sBase + p];
                    continue;
                }
                int r = i * g.StrideH + u - g.PadH, q = j * g.StrideW + v - g.PadW;
                if (r >= 0 && r < g.Height && q >= 0 && q < g.Width) acc += s[sBase + p] * x[xBase + r * g.Width + q];
            }
            sum += signs[row] * acc * acc;
        }
        return sum;
    }

    /// <summary>
    /// R{y} (rows, N*, outSize) of a max pool: each output takes R{x} at its window's arg-max (arg (N, outSize), row
    /// indices); <paramref name="rows"/> = R*N rows of R{x} (rows, inSize), row r*N+n using sample n's arg-max.
    /// </summary>
    public static void MaxGather(ArrayView<float> rx, ArrayView<int> arg, ArrayView<float> ry, int inSize, int outSize, int n, int rows)
    {
        int total = rows * outSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / outSize, o = idx - row * outSize, sample = row % n;
            ry[idx] = rx[row * inSize + arg[sample * outSize + o]];
        }
    }
}
