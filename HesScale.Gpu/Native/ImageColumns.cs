using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>The native twins of <see cref="ImageColumnKernels"/> (same shapes and sums; they serve the column and R-operator passes).</summary>
internal static class ImageColumns
{
    /// <inheritdoc cref="ImageColumnKernels.ConvColumnWeight"/>
    /// <remarks>Output channels are split over up to <paramref name="threads"/> threads (large calls only).</remarks>
    public static void ConvColumnWeight(float[] s, float[] signs, float[] x, float[] dW, float[] db, in Conv2dGeometry g, int columns, int n, float scale, bool hasBias, int threads = 1)
    {
        var geo = g;
        long work = (long)columns * n * g.OutSize * g.PatchLength;
        ParallelChunks.Run(g.OutChannels, threads, work, (o0, o1) => OutputChannels(s, signs, x, dW, db, geo, columns, n, scale, hasBias, o0, o1));
    }

    private static void OutputChannels(float[] s, float[] signs, float[] x, float[] dW, float[] db, in Conv2dGeometry g, int columns, int n, float scale, bool hasBias, int o0, int o1)
    {
        int k = g.PatchLength, kernel = g.KernelH * g.KernelW, positions = g.Positions, outSize = g.OutSize;
        int plane = g.Height * g.Width, inSize = g.InSize;
        var acc = new float[k + 1];
        var sums = new double[k + 1];
        for (int o = o0; o < o1; o++)
        {
            Array.Clear(sums);
            for (int row = 0; row < columns * n; row++)
            {
                int sample = row % n, sBase = row * outSize + o * positions, xBase = sample * inSize;
                Array.Clear(acc);
                for (int p = 0; p < positions; p++)
                {
                    float sv = s[sBase + p];
                    if (sv == 0f) continue;
                    int i = p / g.OutW, j = p - i * g.OutW;
                    acc[k] += sv;
                    for (int c = 0; c < g.InChannels; c++)
                    {
                        for (int u = 0; u < g.KernelH; u++)
                        {
                            int r = i * g.StrideH + u - g.PadH;
                            if (r < 0 || r >= g.Height) continue;
                            for (int v = 0; v < g.KernelW; v++)
                            {
                                int q = j * g.StrideW + v - g.PadW;
                                if (q >= 0 && q < g.Width) acc[c * kernel + u * g.KernelW + v] += sv * x[xBase + c * plane + r * g.Width + q];
                            }
                        }
                    }
                }
                float sign = signs[row];
                for (int kk = 0; kk <= k; kk++) sums[kk] += sign * acc[kk] * acc[kk];
            }
            for (int kk = 0; kk < k; kk++) dW[o * k + kk] = (float)(scale * sums[kk]);
            if (hasBias) db[o] = (float)(scale * sums[k]);
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
