using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Max and average 2-D pooling kernels (one thread per element, grid-stride loop). Shapes per
/// <see cref="Pool2dGeometry"/>: x is (N, C, H, W), y and the arg-max are (N, C, OH, OW); channel stacks B are
/// (Ch, N, C, OH, OW) -> (Ch, N, C, H, W). Backward passes gather over the windows that contain an input, so
/// overlapping windows (stride below the kernel) need no atomics.
/// </summary>
internal static class Pool2dKernels
{
    /// <summary>
    /// y = the maximum of each window over its in-image taps (padding is -inf, so never chosen); arg = the
    /// row index c*H*W + r*W + q of the first maximum in row-major window order (the reference's tie rule).
    /// </summary>
    public static void MaxForward(ArrayView<float> x, ArrayView<float> y, ArrayView<int> arg, Pool2dGeometry g, int n)
    {
        int positions = g.OutH * g.OutW, outSize = g.Channels * positions;
        int plane = g.Height * g.Width, inSize = g.Channels * plane;
        int total = n * outSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int s = idx / outSize, rest = idx - s * outSize;
            int c = rest / positions, p = rest - c * positions;
            int i = p / g.OutW, j = p - i * g.OutW;
            int xBase = s * inSize, best = -1;
            float max = 0f;
            for (int u = 0; u < g.KernelH; u++)
            {
                int r = i * g.StrideH + u - g.PadH;
                if (r < 0 || r >= g.Height) continue;
                for (int v = 0; v < g.KernelW; v++)
                {
                    int q = j * g.StrideW + v - g.PadW;
                    if (q < 0 || q >= g.Width) continue;
                    int at = c * plane + r * g.Width + q;
                    float xv = x[xBase + at];
                    if (best < 0 || xv > max || (float.IsNaN(xv) && !float.IsNaN(max))) // a NaN tap wins, as in PyTorch
                    {
                        max = xv;
                        best = at;
                    }
                }
            }
            y[idx] = max;
            arg[idx] = best;
        }
    }

    /// <summary>
    /// Bin[ch,s,c,r,q] = sum of B[ch,s,c,i,j] over the windows (i, j) whose arg-max is (c, r, q): the Jacobian's
    /// entries are 0 or 1, so gradient and HesScale diagonal channels route alike.
    /// </summary>
    public static void MaxBackward(ArrayView<float> bOut, ArrayView<int> arg, ArrayView<float> bIn, Pool2dGeometry g, int n, int channels)
    {
        int positions = g.OutH * g.OutW, outSize = g.Channels * positions;
        int plane = g.Height * g.Width, inSize = g.Channels * plane;
        int total = channels * n * inSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / inSize, at = idx - row * inSize; // row = ch * n + s
            int s = row - row / n * n;
            int c = at / plane, pix = at - c * plane;
            int r = pix / g.Width, q = pix - r * g.Width;
            int bBase = row * outSize + c * positions, aBase = s * outSize + c * positions;
            float acc = 0f;
            for (int u = 0; u < g.KernelH; u++)
            {
                if (!Window2d.OutputOf(r, g.PadH, u, g.StrideH, g.OutH, out int i)) continue;
                for (int v = 0; v < g.KernelW; v++)
                {
                    if (!Window2d.OutputOf(q, g.PadW, v, g.StrideW, g.OutW, out int j)) continue;
                    if (arg[aBase + i * g.OutW + j] == at) acc += bOut[bBase + i * g.OutW + j];
                }
            }
            bIn[idx] = acc;
        }
    }

    /// <summary>y = (sum of the window's in-image taps) / (kh*kw): padded zeros count in the divisor.</summary>
    public static void AvgForward(ArrayView<float> x, ArrayView<float> y, Pool2dGeometry g, int n)
    {
        int positions = g.OutH * g.OutW, outSize = g.Channels * positions;
        int plane = g.Height * g.Width, inSize = g.Channels * plane;
        float scale = 1f / (g.KernelH * g.KernelW);
        int total = n * outSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int s = idx / outSize, rest = idx - s * outSize;
            int c = rest / positions, p = rest - c * positions;
            int i = p / g.OutW, j = p - i * g.OutW;
            int xPlane = s * inSize + c * plane;
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
            y[idx] = acc * scale;
        }
    }

    /// <summary>
    /// Bin[ch,s,c,r,q] = sum of B[ch,s,c,i,j] over the windows containing (r, q), times 1/k for the first
    /// linearChannels and (1/k)^2 for curvature channels (k = kh*kw).
    /// </summary>
    public static void AvgBackward(ArrayView<float> bOut, ArrayView<float> bIn, Pool2dGeometry g, int n, int channels, int linearChannels)
    {
        int positions = g.OutH * g.OutW, outSize = g.Channels * positions;
        int plane = g.Height * g.Width, inSize = g.Channels * plane;
        float scale = 1f / (g.KernelH * g.KernelW);
        int total = channels * n * inSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / inSize, at = idx - row * inSize;
            int c = at / plane, pix = at - c * plane;
            int r = pix / g.Width, q = pix - r * g.Width;
            int bBase = row * outSize + c * positions;
            float acc = 0f;
            for (int u = 0; u < g.KernelH; u++)
            {
                if (!Window2d.OutputOf(r, g.PadH, u, g.StrideH, g.OutH, out int i)) continue;
                for (int v = 0; v < g.KernelW; v++)
                {
                    if (!Window2d.OutputOf(q, g.PadW, v, g.StrideW, g.OutW, out int j)) continue;
                    acc += bOut[bBase + i * g.OutW + j];
                }
            }
            bIn[idx] = row / n < linearChannels ? acc * scale : acc * scale * scale;
        }
    }
}
