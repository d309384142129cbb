using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>The native twins of <see cref="ImageColumnKernels"/> (same shapes and sums; they serve the column and R-operator passes).</summary>
internal static class ImageColumns
{
    /// <inheritdoc cref="ImageColumnKernels.ConvColumnWeight"/>
    /// <remarks>Output channels are split over up to <paramref name="threads"/> threads (large calls only); <paramref name="wide"/>: the
    /// backend's GEMM tile width (512-bit panels), as its other products use; null = the machine's default.</remarks>
    public static void ConvColumnWeight(float[] s, float[] signs, float[] x, float[] dW, float[] db, in Conv2dGeometry g, int columns, int n, float scale, bool hasBias, int threads = 1, bool? wide = null)
    {
        var geo = g;
        bool wideTiles = wide ?? Gemm.WideByDefault;
        long work = (long)columns * n * g.OutSize * g.PatchLength;
        ParallelChunks.Run(g.OutChannels, threads, work, (o0, o1) => OutputChannels(s, signs, x, dW, db, geo, columns, n, scale, hasBias, wideTiles, o0, o1));
    }

    [ThreadStatic] private static float[]? t_packed, t_product;
    [ThreadStatic] private static int[]? t_offsets;

    // Per row (column r, sample): A (Cout, K) = S_row (Cout, P) patches^T (P, K), the sum over positions of the
    // kernel's ColumnWeightSum for every weight at once, as panel products (the direct loop over (o, row, p, k)
    // it replaced took 16.6x a 3c3d gradient pass); then sums += sign A^2 in double. A sample's patches are
    // packed once per panel of K and serve its rows in every column.
    private static void OutputChannels(float[] s, float[] signs, float[] x, float[] dW, float[] db, in Conv2dGeometry g, int columns, int n, float scale, bool hasBias, bool wide, int o0, int o1)
    {
        int k = g.PatchLength, positions = g.Positions, outSize = g.OutSize, count = o1 - o0;
        int panel = Gemm.Panel(wide);
        var packed = Gemm.Scratch(ref t_packed, positions * panel);
        var product = Gemm.Scratch(ref t_product, count * k);
        if (t_offsets is null || t_offsets.Length < panel) t_offsets = new int[panel];
        var sums = new double[count * (k + 1)];
        for (int k0 = 0; k0 < k; k0 += panel)
        {
            int width = Math.Min(panel, k - k0);
            for (int sample = 0; sample < n; sample++)
            {
                Conv2d.PackPatchesTransposed(g, x, sample * g.InSize, k0, width, packed, 0, panel, t_offsets);
                for (int r = 0; r < columns; r++)
                {
                    int row = r * n + sample;
                    // product[o - o0, k0 + j] = sum_p S[row, o, p] patches[p, k0 + j]
                    Gemm.PanelProduct(wide, s, row * outSize + o0 * positions, positions, 1, positions, packed, product, 0, k, 0, count, k0, width);
                    double sign = signs[row];
                    for (int o = 0; o < count; o++)
                        for (int kk = k0; kk < k0 + width; kk++)
                        {
                            float a = product[o * k + kk];
                            sums[o * (k + 1) + kk] += sign * a * a;
                        }
                    if (k0 > 0 || !hasBias) continue;
                    for (int o = 0; o < count; o++)
                    {
                        float a = 0f; // the bias's patch value is 1
                        foreach (float v in s.AsSpan(row * outSize + (o0 + o) * positions, positions)) a += v;
                        sums[o * (k + 1) + k] += sign * a * a;
                    }
                }
            }
        }
        for (int o = 0; o < count; o++)
        {
            for (int kk = 0; kk < k; kk++) dW[(o0 + o) * k + kk] = (float)(scale * sums[o * (k + 1) + kk]);
            if (hasBias) db[o0 + o] = (float)(scale * sums[o * (k + 1) + k]);
        }
    }

    /// <inheritdoc cref="ImageColumnKernels.MaxGather"/>
    public static void MaxGather(float[] rx, int[] arg, float[] ry, int inSize, int outSize, int n, int rows)
    {
        for (int row = 0; row < rows; row++)
        {
            int sample = row % n;
            for (int o = 0; o < outSize; o++) ry[row * outSize + o] = rx[row * inSize + arg[sample * outSize + o]];
        }
    }
}
