using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Conv2d kernels (direct versions: one thread per output element, grid-stride loop, no tiles).
/// Shapes per <see cref="Conv2dGeometry"/>: x is (N, Cin, H, W), y is (N, Cout, OH, OW), W is (Cout, Cin, kh, kw),
/// b is (Cout); channel stacks B are (C, N, Cout, OH, OW) as for <see cref="LinearKernels"/>: the first
/// linearChannels carry the gradient (W, x), the rest curvature diagonals (W^2, x^2).
/// Output (i, j) and kernel offset (u, v) meet input (i*sh + u - ph, j*sw + v - pw); taps in the padding read 0.
/// </summary>
internal static class Conv2dKernels
{
    /// <summary>
    /// y[s,o,i,j] = b[o] + sum_{c,u,v} W[o,c,u,v] x[s,c,i*sh+u-ph,j*sw+v-pw], added to y when
    /// <paramref name="accumulate"/> is 1 (the R-operator's second term).
    /// </summary>
    public static void Forward(
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        Conv2dGeometry g, int n, int hasBias, int accumulate)
    {
        int positions = g.OutH * g.OutW, outSize = g.OutChannels * positions, inSize = g.InChannels * g.Height * g.Width;
        int patch = g.InChannels * g.KernelH * g.KernelW;
        int total = n * outSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int s = idx / outSize, rest = idx - s * outSize;
            int o = rest / positions, p = rest - o * positions;
            int i = p / g.OutW, j = p - i * g.OutW;
            float acc = hasBias != 0 ? b[o] : 0f;
            for (int c = 0; c < g.InChannels; c++)
            {
                int xPlane = s * inSize + c * g.Height * g.Width;
                int wPlane = o * patch + c * g.KernelH * g.KernelW;
                for (int u = 0; u < g.KernelH; u++)
                {
                    int r = i * g.StrideH + u - g.PadH;
                    if (r < 0 || r >= g.Height) continue;
                    for (int v = 0; v < g.KernelW; v++)
                    {
                        int col = j * g.StrideW + v - g.PadW;
                        if (col >= 0 && col < g.Width) acc += w[wPlane + u * g.KernelW + v] * x[xPlane + r * g.Width + col];
                    }
                }
            }
            y[idx] = accumulate != 0 ? y[idx] + acc : acc;
        }
    }

    /// <summary>
    /// The transposed convolution of every channel in one launch: Bin[ch,s,c,r,q] = sum over (o, u, v) with
    /// r = i*sh + u - ph, q = j*sw + v - pw of B[ch,s,o,i,j] W[o,c,u,v] (W^2 for curvature channels: HesScale's
    /// diagonal through a layer linear in its input). Bin is (C, N, Cin, H, W), added to when
    /// <paramref name="accumulate"/> is 1 (the R-operator's second term). Gathers, so no atomics.
    /// </summary>
    public static void BackwardInput(
        ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> bIn,
        Conv2dGeometry g, int n, int channels, int linearChannels, int accumulate)
    {
        int positions = g.OutH * g.OutW, outSize = g.OutChannels * positions;
        int plane = g.Height * g.Width, inSize = g.InChannels * plane;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel;
        int total = channels * n * inSize;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / inSize, rest = idx - row * inSize; // row = ch * n + s
            int ch = row / n;
            int c = rest / plane, pix = rest - c * plane;
            int r = pix / g.Width, q = pix - r * g.Width;
            bool squared = ch >= linearChannels;
            int bBase = row * outSize;
            float acc = 0f;
            for (int u = 0; u < g.KernelH; u++)
            {
                if (!Window2d.OutputOf(r, g.PadH, u, g.StrideH, g.OutH, out int i)) continue;
                for (int v = 0; v < g.KernelW; v++)
                {
                    if (!Window2d.OutputOf(q, g.PadW, v, g.StrideW, g.OutW, out int j)) continue;
                    int wAt = c * kernel + u * g.KernelW + v, bAt = bBase + i * g.OutW + j;
                    for (int o = 0; o < g.OutChannels; o++)
                    {
                        float wv = w[o * patch + wAt];
                        acc += bOut[bAt + o * positions] * (squared ? wv * wv : wv);
                    }
                }
            }
            bIn[idx] = accumulate != 0 ? bIn[idx] + acc : acc;
        }
    }

    /// <summary>
    /// Parameter quantities of every channel in one launch (shared weights: a sum over batch and positions):
    /// dW[ch,o,c,u,v] = sum_{s,i,j} B[ch,s,o,i,j] x[s,c,i*sh+u-ph,j*sw+v-pw]^p, p = 1 for linear channels and 2
    /// for curvature ones; the extra column k = Cin*kh*kw is the bias, db[ch,o] = sum_{s,i,j} B[ch,s,o,i,j].
    /// dW is (C, Cout, Cin, kh, kw), db is (C, Cout); both added to when <paramref name="accumulate"/> is 1.
    /// </summary>
    public static void BackwardWeight(
        ArrayView<float> bOut, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db,
        Conv2dGeometry g, int n, int channels, int linearChannels, int hasBias, int accumulate)
    {
        int positions = g.OutH * g.OutW, outSize = g.OutChannels * positions;
        int plane = g.Height * g.Width, inSize = g.InChannels * plane;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel;
        int cols = patch + (hasBias != 0 ? 1 : 0);
        int perChannel = g.OutChannels * cols;
        int total = channels * perChannel;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int ch = idx / perChannel, rest = idx - ch * perChannel;
            int o = rest / cols, k = rest - o * cols;
            float acc = 0f;
            if (k == patch)
            {
                for (int s = 0; s < n; s++)
                {
                    int bBase = (ch * n + s) * outSize + o * positions;
                    for (int p = 0; p < positions; p++) acc += bOut[bBase + p];
                }
                int at = ch * g.OutChannels + o;
                db[at] = accumulate != 0 ? db[at] + acc : acc;
            }
            else
            {
                bool squared = ch >= linearChannels;
                int c = k / kernel, uv = k - c * kernel;
                int u = uv / g.KernelW, v = uv - u * g.KernelW;
                for (int s = 0; s < n; s++)
                {
                    int bBase = (ch * n + s) * outSize + o * positions;
                    int xPlane = s * inSize + c * plane;
                    for (int i = 0; i < g.OutH; i++)
                    {
                        int r = i * g.StrideH + u - g.PadH;
                        if (r < 0 || r >= g.Height) continue;
                        for (int j = 0; j < g.OutW; j++)
                        {
                            int q = j * g.StrideW + v - g.PadW;
                            if (q < 0 || q >= g.Width) continue;
                            float xv = x[xPlane + r * g.Width + q];
                            acc += bOut[bBase + i * g.OutW + j] * (squared ? xv * xv : xv);
                        }
                    }
                }
                int at = (ch * g.OutChannels + o) * patch + k;
                dW[at] = accumulate != 0 ? dW[at] + acc : acc;
            }
        }
    }

    /// <summary>
    /// KFC's input factor (Grosse &amp; Martens 2016) from the patch expansion: Omega[k1, k2] = 1/(N*P) sum over samples
    /// and positions of a[k1] a[k2], a = the patch at that position (x at weight index k = (c, u, v), 0 in the
    /// padding) followed by a 1 for the bias when <paramref name="hasBias"/>. Omega is (K', K'), K' = Cin*kh*kw (+1).
    /// </summary>
    public static void PatchFactor(ArrayView<float> x, ArrayView<float> omega, Conv2dGeometry g, int n, int hasBias)
    {
        int positions = g.OutH * g.OutW, plane = g.Height * g.Width, inSize = g.InChannels * plane;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel;
        int cols = patch + (hasBias != 0 ? 1 : 0);
        int total = cols * cols;
        float scale = 1f / ((float)n * positions);
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int k1 = idx / cols, k2 = idx - k1 * cols;
            float acc = 0f;
            if (k1 == patch && k2 == patch)
            {
                acc = (float)n * positions;
            }
            else
            {
                // a[patch] = 1: a bias row or column is the plain sum of the other index's entries.
                bool bias1 = k1 == patch, bias2 = k2 == patch;
                int ka = bias1 ? k2 : k1, kb = bias2 ? k1 : k2;
                int ca = ka / kernel, uva = ka - ca * kernel, ua = uva / g.KernelW, va = uva - ua * g.KernelW;
                int cb = kb / kernel, uvb = kb - cb * kernel, ub = uvb / g.KernelW, vb = uvb - ub * g.KernelW;
                for (int s = 0; s < n; s++)
                {
                    int xa = s * inSize + ca * plane, xb = s * inSize + cb * plane;
                    for (int i = 0; i < g.OutH; i++)
                    {
                        int ra = i * g.StrideH + ua - g.PadH, rb = i * g.StrideH + ub - g.PadH;
                        if (ra < 0 || ra >= g.Height || rb < 0 || rb >= g.Height) continue;
                        for (int j = 0; j < g.OutW; j++)
                        {
                            int qa = j * g.StrideW + va - g.PadW, qb = j * g.StrideW + vb - g.PadW;
                            if (qa < 0 || qa >= g.Width || qb < 0 || qb >= g.Width) continue;
                            float a = x[xa + ra * g.Width + qa];
                            acc += bias1 || bias2 ? a : a * x[xb + rb * g.Width + qb];
                        }
                    }
                }
            }
            omega[idx] = acc * scale;
        }
    }

    /// <summary>
    /// The KFC diagonal of a conv2d (the Linear <see cref="CurvatureKernels.KfacWeight"/> with positions):
    /// dW[o, k] = Gamma[o, o] Omega[k, k] with Gamma = sum over samples and positions of q (N, Cout, OH, OW; the
    /// MC GGN of the outputs, already divided by M) and Omega = <see cref="PatchFactor"/>'s diagonal;
    /// db[o] = Gamma[o, o] (Omega's bias entry is 1). dW is (Cout, Cin, kh, kw), db is (Cout).
    /// </summary>
    public static void KfcWeight(ArrayView<float> q, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db, Conv2dGeometry g, int n, int hasBias)
    {
        int positions = g.OutH * g.OutW, outSize = g.OutChannels * positions;
        int plane = g.Height * g.Width, inSize = g.InChannels * plane;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel;
        int cols = patch + (hasBias != 0 ? 1 : 0);
        int total = g.OutChannels * cols;
        float scale = 1f / ((float)n * positions);
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int o = idx / cols, k = idx - o * cols;
            float gamma = 0f;
            for (int s = 0; s < n; s++)
            {
                int qBase = s * outSize + o * positions;
                for (int p = 0; p < positions; p++) gamma += q[qBase + p];
            }
            if (k == patch)
            {
                db[o] = gamma;
                continue;
            }
            int c = k / kernel, uv = k - c * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
            float omega = 0f;
            for (int s = 0; s < n; s++)
            {
                int xPlane = s * inSize + c * plane;
                for (int i = 0; i < g.OutH; i++)
                {
                    int r = i * g.StrideH + u - g.PadH;
                    if (r < 0 || r >= g.Height) continue;
                    for (int j = 0; j < g.OutW; j++)
                    {
                        int col = j * g.StrideW + v - g.PadW;
                        if (col < 0 || col >= g.Width) continue;
                        float xv = x[xPlane + r * g.Width + col];
                        omega += xv * xv;
                    }
                }
            }
            dW[o * patch + k] = gamma * omega * scale;
        }
    }
}
