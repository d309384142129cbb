using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// Max and average 2-D pooling on the native path, the CPU twin of <see cref="Pool2dKernels"/> (same shapes,
/// tie rule and channel rules). Direct loops: pooling does one add or compare per tap, nothing to tile.
/// Backward passes scatter from each window to its taps; rows (channel, sample) split over <c>threads</c>
/// when the work is large, each writing only its own row, so no conflicts.
/// </summary>
internal static class Pool2d
{
    /// <summary>y (N, C, OH, OW) = each window's maximum; arg = c*H*W + r*W + q of its first maximum (row-major).</summary>
    public static void MaxForward(in Pool2dGeometry g, float[] x, float[] y, int[] arg, int n, int threads = 1)
    {
        var geo = g;
        ParallelChunks.Run(n, threads, (long)n * g.OutSize * g.WindowSize, (s0, s1) => MaxForwardSamples(geo, x, y, arg, s0, s1));
    }

    // The geometry in locals and each window's in-image taps as ranges [u0, u1) x [v0, v1) instead of a
    // bounds test per tap (this loop was 10-20% of a 3c3d gradient step, and the backward runs it again for
    // the arg-max); windows wholly inside an image row go 8 at a time (MaxWindows8). Taps in the same
    // row-major order with the same rule, so the same maximum and arg-max as the kernel.
    private static void MaxForwardSamples(in Pool2dGeometry g, float[] x, float[] y, int[] arg, int s0, int s1)
    {
        int height = g.Height, width = g.Width, plane = height * width, channels = g.Channels, inSize = g.InSize, outSize = g.OutSize;
        int outH = g.OutH, outW = g.OutW, kh = g.KernelH, kw = g.KernelW, sh = g.StrideH, sw = g.StrideW, ph = g.PadH, pw = g.PadW;
        // windows j in [inner0, inner1) have all kw columns inside the row: j sw - pw >= 0 and j sw - pw + kw <= width
        int inner0 = (pw + sw - 1) / sw, inner1 = width - kw + pw < 0 ? 0 : Math.Min(outW, (width - kw + pw) / sw + 1);
        int blocks = Avx2.IsSupported && inner1 > inner0 ? (inner1 - inner0) / 8 : 0, vector1 = inner0 + 8 * blocks;
        for (int s = s0; s < s1; s++)
        {
            int xBase = s * inSize;
            for (int c = 0; c < channels; c++)
            {
                int rowOut = s * outSize + c * outH * outW;
                for (int i = 0; i < outH; i++, rowOut += outW)
                {
                    int top = i * sh - ph, u0 = Math.Max(0, -top), u1 = Math.Min(kh, height - top);
                    int rowBase = c * plane + top * width; // x offset of window row u = 0 at column 0
                    if (blocks > 0 && u1 > u0) MaxWindows8(x, y, arg, xBase, rowBase + u0 * width + inner0 * sw - pw, width, u1 - u0, kw, sw, rowOut + inner0, blocks);
                    for (int j = 0; j < outW; j++)
                    {
                        if (j == inner0 && blocks > 0) j = vector1;
                        if (j >= outW) break;
                        int left = j * sw - pw, v0 = Math.Max(0, -left), v1 = Math.Min(kw, width - left);
                        int best = -1;
                        float max = 0f;
                        for (int u = u0; u < u1; u++)
                        {
                            int rowAt = rowBase + u * width + left;
                            for (int v = v0; v < v1; v++)
                            {
                                float xv = x[xBase + rowAt + v];
                                if (best < 0 || xv > max || (float.IsNaN(xv) && !float.IsNaN(max))) (max, best) = (xv, rowAt + v); // a NaN tap wins, as in PyTorch
                            }
                        }
                        y[rowOut + j] = max;
                        arg[rowOut + j] = best;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <paramref name="blocks"/> x 8 adjacent windows of one output row, all taps inside the image: lane j's window starts
    /// at x[xBase + at0 + j sw]; rows taps high, kw wide. The scalar loop's rule per lane (first tap taken, then a tap
    /// wins when greater, or NaN over a number), so the same maximum and arg-max.
    /// </summary>
    private static unsafe void MaxWindows8(float[] x, float[] y, int[] arg, int xBase, int at0, int width, int rows, int kw, int sw, int outAt, int blocks)
    {
        var step = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * sw;
        fixed (float* xp = &x[xBase])
            for (int b = 0; b < blocks; b++, at0 += 8 * sw, outAt += 8)
            {
                var first = step + Vector256.Create(at0);
                var best = first;
                var max = Avx2.GatherVector256(xp, first, 4);
                for (int u = 0; u < rows; u++)
                    for (int v = u == 0 ? 1 : 0; v < kw; v++)
                    {
                        var at = first + Vector256.Create(u * width + v);
                        var xv = Avx2.GatherVector256(xp, at, 4);
                        var take = Vector256.GreaterThan(xv, max) | (~Vector256.Equals(xv, xv) & Vector256.Equals(max, max));
                        max = Vector256.ConditionalSelect(take, xv, max);
                        best = Vector256.ConditionalSelect(take.AsInt32(), at, best);
                    }
                max.StoreUnsafe(ref y[outAt]);
                best.StoreUnsafe(ref arg[outAt]);
            }
    }

    /// <summary>Bin (Ch, N, C, H, W) = each channel of B (Ch, N, C, OH, OW) routed to its window's arg-max.</summary>
    public static void MaxBackward(in Pool2dGeometry g, float[] bOut, int[] arg, float[] bIn, int n, int channels, int threads = 1)
    {
        Array.Clear(bIn, 0, channels * n * g.InSize);
        int outSize = g.OutSize, inSize = g.InSize;
        // rows ch * n + s scatter into their own row of Bin only
        ParallelChunks.Run(channels * n, threads, (long)channels * n * outSize, (r0, r1) =>
        {
            for (int row = r0; row < r1; row++)
            {
                int aBase = row % n * outSize, bBase = row * outSize, inBase = row * inSize;
                for (int k = 0; k < outSize; k++) bIn[inBase + arg[aBase + k]] += bOut[bBase + k];
            }
        });
    }

    /// <summary>y = (sum of the window's in-image taps) / (kh*kw).</summary>
    public static void AvgForward(in Pool2dGeometry g, float[] x, float[] y, int n, int threads = 1)
    {
        var geo = g;
        ParallelChunks.Run(n, threads, (long)n * g.OutSize * g.WindowSize, (s0, s1) => AvgForwardSamples(geo, x, y, s0, s1));
    }

    private static void AvgForwardSamples(in Pool2dGeometry g, float[] x, float[] y, int s0, int s1)
    {
        int plane = g.Height * g.Width;
        float scale = 1f / g.WindowSize;
        for (int s = s0; s < s1; s++)
            for (int c = 0; c < g.Channels; c++)
            {
                int xPlane = s * g.InSize + c * plane, outAt = s * g.OutSize + c * g.OutH * g.OutW;
                for (int i = 0; i < g.OutH; i++)
                    for (int j = 0; j < g.OutW; j++, outAt++)
                    {
                        float acc = 0f;
                        for (int u = 0; u < g.KernelH; u++)
                        {
                            int r = i * g.StrideH + u - g.PadH;
                            if (r < 0 || r >= g.Height) continue;
                            for (int v = 0; v < g.KernelW; v++)
                            {
                                int q = j * g.StrideW + v - g.PadW;
                                if (q >= 0 && q < g.Width) acc += x[xPlane + r * g.Width + q];
                            }
                        }
                        y[outAt] = acc * scale;
                    }
            }
    }

    /// <summary>Bin = each window's B spread over its in-image taps times 1/k (linear channels) or (1/k)^2 (curvature ones).</summary>
    public static void AvgBackward(in Pool2dGeometry g, float[] bOut, float[] bIn, int n, int channels, int linearChannels, int threads = 1)
    {
        var geo = g;
        Array.Clear(bIn, 0, channels * n * g.InSize);
        // rows ch * n + s scatter into their own row of Bin only
        ParallelChunks.Run(channels * n, threads, (long)channels * n * g.OutSize * g.WindowSize, (r0, r1) => AvgBackwardRows(geo, bOut, bIn, n, linearChannels, r0, r1));
    }

    private static void AvgBackwardRows(in Pool2dGeometry g, float[] bOut, float[] bIn, int n, int linearChannels, int r0, int r1)
    {
        int plane = g.Height * g.Width;
        for (int row = r0; row < r1; row++)
        {
            float scale = row / n < linearChannels ? 1f / g.WindowSize : 1f / ((float)g.WindowSize * g.WindowSize);
            for (int c = 0; c < g.Channels; c++)
            {
                int inPlane = row * g.InSize + c * plane, outAt = row * g.OutSize + c * g.OutH * g.OutW;
                for (int i = 0; i < g.OutH; i++)
                    for (int j = 0; j < g.OutW; j++, outAt++)
                    {
                        float d = bOut[outAt] * scale;
                        for (int u = 0; u < g.KernelH; u++)
                        {
                            int r = i * g.StrideH + u - g.PadH;
                            if (r < 0 || r >= g.Height) continue;
                            for (int v = 0; v < g.KernelW; v++)
                            {
                                int q = j * g.StrideW + v - g.PadW;
                                if (q >= 0 && q < g.Width) bIn[inPlane + r * g.Width + q] += d;
                            }
                        }
                    }
            }
        }
    }
}
