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
    // bounds test per tap (this loop was 10-20% of a conv step, and the backward runs it again for the
    // arg-max). Windows wholly inside the image go 8 at a time through AVX2 gathers (MaxWindows8), any 8 of a
    // sample's channels and rows; the rest (padded borders) one at a time. Taps in the same row-major order with
    // the same rule in both, so the same maximum and arg-max as the kernel.
    private static unsafe void MaxForwardSamples(in Pool2dGeometry g, float[] x, float[] y, int[] arg, int s0, int s1)
    {
        int height = g.Height, width = g.Width, plane = height * width, channels = g.Channels, inSize = g.InSize, outSize = g.OutSize;
        int outH = g.OutH, outW = g.OutW, kh = g.KernelH, kw = g.KernelW, sh = g.StrideH, sw = g.StrideW, ph = g.PadH, pw = g.PadW;
        bool vector = Avx2.IsSupported;
        int* origins = stackalloc int[8];
        int* outs = stackalloc int[8];
        for (int s = s0; s < s1; s++)
        {
            int xBase = s * inSize, lanes = 0;
            for (int c = 0; c < channels; c++)
            {
                int rowOut = s * outSize + c * outH * outW;
                for (int i = 0; i < outH; i++, rowOut += outW)
                {
                    int top = i * sh - ph, u0 = Math.Max(0, -top), u1 = Math.Min(kh, height - top);
                    int rowBase = c * plane + top * width; // offset in the sample of window row u = 0 at column 0
                    for (int j = 0; j < outW; j++)
                    {
                        int left = j * sw - pw, v0 = Math.Max(0, -left), v1 = Math.Min(kw, width - left);
                        if (vector && u0 == 0 && u1 == kh && v0 == 0 && v1 == kw)
                        {
                            origins[lanes] = rowBase + left;
                            outs[lanes] = rowOut + j;
                            if (++lanes == 8)
                            {
                                MaxWindows8(x, y, arg, xBase, origins, outs, width, kh, kw);
                                lanes = 0;
                            }
                            continue;
                        }
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
            if (lanes == 0) continue;
            for (int l = lanes; l < 8; l++) (origins[l], outs[l]) = (origins[0], outs[0]); // a window twice: the same result written twice
            MaxWindows8(x, y, arg, xBase, origins, outs, width, kh, kw);
        }
    }

    /// <summary>
    /// Eight windows wholly inside sample x[xBase..]: window l starts at offset origins[l] (c H W + r W + q) and its
    /// result goes to y and arg at outs[l]; kh x kw taps. The scalar loop's rule per lane (first tap taken, then a tap
    /// wins when greater, or NaN over a number), so the same maximum and arg-max.
    /// </summary>
    private static unsafe void MaxWindows8(float[] x, float[] y, int[] arg, int xBase, int* origins, int* outs, int width, int kh, int kw)
    {
        var first = Vector256.Load(origins);
        var best = first;
        Vector256<float> max;
        fixed (float* xp = &x[xBase])
        {
            max = Avx2.GatherVector256(xp, first, 4);
            for (int u = 0; u < kh; u++)
                for (int v = u == 0 ? 1 : 0; v < kw; v++)
                {
                    var at = first + Vector256.Create(u * width + v);
                    var xv = Avx2.GatherVector256(xp, at, 4);
                    var take = Vector256.GreaterThan(xv, max) | (~Vector256.Equals(xv, xv) & Vector256.Equals(max, max));
                    max = Vector256.ConditionalSelect(take, xv, max);
                    best = Vector256.ConditionalSelect(take.AsInt32(), at, best);
                }
        }
        for (int l = 0; l < 8; l++)
        {
            y[outs[l]] = max.GetElement(l);
            arg[outs[l]] = best.GetElement(l);
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
