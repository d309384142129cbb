using System.Numerics.Tensors;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Native;

/// <summary>
/// Conv2d on the native path, the CPU twin of <see cref="Conv2dKernels"/> (same shapes and channel rules):
/// im2col into the panel products of <see cref="Gemm"/>. The patches are packed straight into the panel
/// layout (no separate column matrix): packed[k, j] = x at weight index k (c, u, v) and position p0 + j, 0 in
/// the padding. Samples (forward, backward to the input) or column panels (weight, patch factor) split over
/// <c>threads</c> when the work is large; buffers are per-thread scratch, so nothing is allocated once warm.
/// </summary>
internal static class Conv2d
{
    [ThreadStatic] private static float[]? t_packed, t_product, t_weight, t_gathered, t_accumulated, t_accumulatedBias;
    [ThreadStatic] private static int[]? t_offsets;

    private static int[] Scratch(ref int[]? slot, int length)
    {
        if (slot is null || slot.Length < length) slot = new int[Math.Max(length, 64)];
        return slot;
    }

    /// <summary>y (N, Cout, OH, OW) = conv(x, W) + b, added to y when <paramref name="accumulate"/>; b empty: no bias.</summary>
    public static void Forward(in Conv2dGeometry g, float[] x, float[] w, float[] b, float[] y, int n, bool accumulate, bool wide, int threads = 1)
    {
        var geo = g;
        ParallelChunks.Run(n, threads, (long)n * g.OutSize * g.PatchLength, (s0, s1) => ForwardSamples(geo, x, w, b, y, s0, s1, accumulate, wide));
    }

    /// <summary>Forward for samples [s0, s1).</summary>
    private static void ForwardSamples(in Conv2dGeometry g, float[] x, float[] w, float[] b, float[] y, int s0, int s1, bool accumulate, bool wide)
    {
        int positions = g.Positions, patch = g.PatchLength, panel = Gemm.Panel(wide);
        var packed = Gemm.Scratch(ref t_packed, patch * panel);
        var product = accumulate ? Gemm.Scratch(ref t_product, g.OutSize) : y;
        for (int s = s0; s < s1; s++)
        {
            int yOff = accumulate ? 0 : s * g.OutSize;
            for (int p0 = 0; p0 < positions; p0 += panel)
            {
                int width = Math.Min(panel, positions - p0);
                PackPatches(g, x, s * g.InSize, 0, patch, p0, width, false, packed, panel);
                // product (Cout, P) = W (Cout, K) packed (K, width)
                Gemm.PanelProduct(wide, w, 0, patch, 1, patch, packed, product, yOff, positions, 0, g.OutChannels, p0, width);
            }
            var row = y.AsSpan(s * g.OutSize, g.OutSize);
            if (accumulate) SimdMath.AddScaled(row, 1f, product.AsSpan(0, g.OutSize));
            if (b.Length > 0)
                for (int o = 0; o < g.OutChannels; o++)
                {
                    var plane = row.Slice(o * positions, positions);
                    TensorPrimitives.Add(plane, b[o], plane);
                }
        }
    }

    /// <summary>
    /// Bin (C, N, Cin, H, W) = the transposed convolution of each channel of B (C, N, Cout, OH, OW) with W
    /// (W^2 for channels at and past <paramref name="linearChannels"/>): per sample the product W^T B_s (K, P),
    /// then col2im (each patch entry added back to its input pixel). Added to Bin when <paramref name="accumulate"/>.
    /// </summary>
    public static void BackwardInput(in Conv2dGeometry g, float[] bOut, float[] w, float[] bIn, int n, int channels, int linearChannels, bool wide, int threads = 1, bool accumulate = false)
    {
        var geo = g;
        float[] squared = w;
        if (channels > linearChannels)
        {
            squared = Gemm.Scratch(ref t_weight, g.WeightLength);
            for (int k = 0; k < g.WeightLength; k++) squared[k] = w[k] * w[k];
        }
        if (!accumulate) Array.Clear(bIn, 0, channels * n * g.InSize); // col2im adds into Bin
        // rows ch * n + s are independent: each writes its own row of Bin.
        ParallelChunks.Run(channels * n, threads, (long)channels * n * g.OutSize * g.PatchLength, (r0, r1) =>
        {
            int positions = geo.Positions, patch = geo.PatchLength, panel = Gemm.Panel(wide);
            var packed = Gemm.Scratch(ref t_packed, geo.OutChannels * panel);
            var cols = Gemm.Scratch(ref t_product, patch * positions);
            for (int row = r0; row < r1; row++)
            {
                float[] weight = row / n < linearChannels ? w : squared;
                for (int p0 = 0; p0 < positions; p0 += panel)
                {
                    int width = Math.Min(panel, positions - p0);
                    // packed (Cout, width) = B_s columns [p0, p0 + width): PackPanel's p0 is a flat offset.
                    Gemm.PackPanel(wide, bOut, positions, geo.OutChannels, row * geo.OutSize + p0, width, false, packed);
                    // cols (K, P) = W^T (K, Cout) packed: W read transposed (rowStride 1, kStride K).
                    Gemm.PanelProduct(wide, weight, 0, 1, patch, geo.OutChannels, packed, cols, 0, positions, 0, patch, p0, width);
                }
                AddPatches(geo, cols, bIn, row * geo.InSize);
            }
        });
    }

    /// <summary>
    /// dW (C, Cout, Cin, kh, kw) = sum over batch and positions of B x^p (p = 2 for curvature channels), db (C, Cout)
    /// = sum of B (db empty: no bias). Per channel, B is gathered to (Cout, N*P) so that one panel product over
    /// K = N*P sums the batch: dW = B (Cout, N*P) patches^T (N*P, Cin*kh*kw). Added to dW and db when <paramref name="accumulate"/>.
    /// </summary>
    public static void BackwardWeight(in Conv2dGeometry g, float[] bOut, float[] x, float[] dW, float[] db, int n, int channels, int linearChannels, bool wide, int threads = 1, bool accumulate = false)
    {
        if (accumulate)
        {
            // the panel products overwrite: compute into scratch, then add (the R-operator's second term)
            int weights = channels * g.WeightLength, biases = db.Length > 0 ? channels * g.OutChannels : 0;
            var partW = Gemm.Scratch(ref t_accumulated, weights);
            var partB = biases > 0 ? Gemm.Scratch(ref t_accumulatedBias, biases) : [];
            BackwardWeight(g, bOut, x, partW, partB, n, channels, linearChannels, wide, threads);
            SimdMath.AddScaled(dW.AsSpan(0, weights), 1f, partW.AsSpan(0, weights));
            if (biases > 0) SimdMath.AddScaled(db.AsSpan(0, biases), 1f, partB.AsSpan(0, biases));
            return;
        }
        var geo = g;
        int positions = g.Positions, patch = g.PatchLength, panel = Gemm.Panel(wide);
        int depth = n * positions; // the product's inner dimension
        var gathered = Gemm.Scratch(ref t_gathered, channels * g.OutChannels * depth);
        for (int ch = 0; ch < channels; ch++)
            for (int s = 0; s < n; s++)
                for (int o = 0; o < g.OutChannels; o++)
                    Array.Copy(bOut, (ch * n + s) * g.OutSize + o * positions, gathered, (ch * g.OutChannels + o) * depth + s * positions, positions);
        // column panels of dW are independent: split them over threads, each packing its own. The product's depth
        // N*P goes in chunks of samples whose packed patches stay in L2 (~256 KB; all N at once was 9 MB on
        // cnn-small-128's first conv, written and read back through memory), each chunk added to dW. A chunk is
        // packed once: x for the linear channels, then squared in place for the curvature channels.
        int chunk = Math.Clamp((1 << 16) / (positions * panel), 1, n);
        ParallelChunks.Run((patch + panel - 1) / panel, threads, (long)channels * depth * g.OutChannels * patch, (b0, b1) =>
        {
            var packed = Gemm.Scratch(ref t_packed, chunk * positions * panel);
            var offsets = Scratch(ref t_offsets, panel);
            int linear = Math.Min(linearChannels, channels);
            for (int k0 = b0 * panel; k0 < Math.Min(patch, b1 * panel); k0 += panel)
            {
                int width = Math.Min(panel, patch - k0);
                for (int s0 = 0; s0 < n; s0 += chunk)
                {
                    int s1 = Math.Min(n, s0 + chunk), rows = (s1 - s0) * positions;
                    for (int s = s0; s < s1; s++) PackPatchesTransposed(geo, x, s * geo.InSize, k0, width, packed, (s - s0) * positions, panel, offsets);
                    for (int ch = 0; ch < channels; ch++)
                    {
                        if (ch == linear)
                        {
                            var used = packed.AsSpan(0, rows * panel);
                            TensorPrimitives.Multiply(used, used, used); // x^2, as packing it squared would give
                        }
                        Gemm.PanelProduct(wide, gathered, ch * geo.OutChannels * depth + s0 * positions, depth, 1, rows, packed, dW, ch * geo.WeightLength, patch, 0, geo.OutChannels, k0, width, add: s0 > 0);
                    }
                }
            }
        });
        if (db.Length == 0) return;
        for (int ch = 0; ch < channels; ch++)
            for (int o = 0; o < g.OutChannels; o++)
            {
                float sum = 0f;
                foreach (float v in gathered.AsSpan((ch * g.OutChannels + o) * depth, depth)) sum += v;
                db[ch * g.OutChannels + o] = sum;
            }
    }

    /// <summary>
    /// KFC's input factor: omega (K', K') = patches^T patches / (N*P), K' = Cin*kh*kw (+1: the bias's constant 1
    /// when <paramref name="hasBias"/>). The patches of all samples are packed as one (N*P, K) matrix A; then
    /// omega = A^T A is one panel product over the N*P positions.
    /// </summary>
    public static void PatchFactor(in Conv2dGeometry g, float[] x, float[] omega, int n, bool hasBias, bool wide, int threads = 1)
    {
        int positions = g.Positions, patch = g.PatchLength, panel = Gemm.Panel(wide), depth = n * positions;
        int cols = patch + (hasBias ? 1 : 0);
        var a = Gemm.Scratch(ref t_gathered, depth * patch);
        var offsets = Scratch(ref t_offsets, patch);
        for (int s = 0; s < n; s++) PackPatchesTransposed(g, x, s * g.InSize, 0, patch, a, s * positions, patch, offsets);
        ParallelChunks.Run((patch + panel - 1) / panel, threads, (long)depth * patch * patch, (b0, b1) =>
        {
            var packed = Gemm.Scratch(ref t_packed, depth * panel);
            for (int k0 = b0 * panel; k0 < Math.Min(patch, b1 * panel); k0 += panel)
            {
                int width = Math.Min(panel, patch - k0);
                Gemm.PackPanel(wide, a, patch, depth, k0, width, false, packed);
                // omega[k1, k0 + j] = sum_t A[t, k1] packed[t, j]: A read transposed (rowStride 1, kStride K).
                Gemm.PanelProduct(wide, a, 0, 1, patch, depth, packed, omega, 0, cols, 0, patch, k0, width);
            }
        });
        float scale = 1f / depth;
        for (int k1 = 0; k1 < patch; k1++)
            for (int k2 = 0; k2 < patch; k2++) omega[k1 * cols + k2] *= scale;
        if (!hasBias) return;
        for (int k = 0; k < patch; k++)
        {
            float sum = 0f;
            for (int t = 0; t < depth; t++) sum += a[t * patch + k];
            omega[k * cols + patch] = omega[patch * cols + k] = sum * scale;
        }
        omega[patch * cols + patch] = 1f;
    }

    /// <summary>
    /// The KFC diagonal: dW[o, k] = Gamma[o, o] Omega[k, k], Gamma = sum over batch and positions of q (N, Cout, OH, OW),
    /// Omega[k, k] = the mean over batch and positions of the patch entry squared; db[o] = Gamma[o, o] (db empty: no bias).
    /// </summary>
    public static void KfcWeight(in Conv2dGeometry g, float[] q, float[] x, float[] dW, float[] db, int n)
    {
        int positions = g.Positions, patch = g.PatchLength, kernel = g.KernelH * g.KernelW;
        var omega = Gemm.Scratch(ref t_weight, patch);
        Array.Clear(omega, 0, patch);
        for (int s = 0; s < n; s++)
            for (int k = 0; k < patch; k++)
            {
                int c = k / kernel, uv = k - c * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
                int plane = s * g.InSize + c * g.Height * g.Width;
                float acc = 0f;
                for (int i = 0; i < g.OutH; i++)
                {
                    int r = i * g.StrideH + u - g.PadH;
                    if (r < 0 || r >= g.Height) continue;
                    for (int j = 0; j < g.OutW; j++)
                    {
                        int col = j * g.StrideW + v - g.PadW;
                        if (col < 0 || col >= g.Width) continue;
                        float xv = x[plane + r * g.Width + col];
                        acc += xv * xv;
                    }
                }
                omega[k] += acc;
            }
        float scale = 1f / ((float)n * positions);
        for (int o = 0; o < g.OutChannels; o++)
        {
            float gamma = 0f;
            for (int s = 0; s < n; s++)
                foreach (float v in q.AsSpan(s * g.OutSize + o * positions, positions)) gamma += v;
            for (int k = 0; k < patch; k++) dW[o * patch + k] = gamma * omega[k] * scale;
            if (db.Length > 0) db[o] = gamma;
        }
    }

    /// <summary>
    /// packed (K rows [k0, k1), panel) = the patches of sample x[xOff..] at positions [p0, p0 + width), squared when
    /// asked, zero in the padding and past width. Positions run along output rows: per row segment the in-image
    /// columns are one range (<see cref="InImage"/>), so no bounds test and no division per element.
    /// </summary>
    private static void PackPatches(in Conv2dGeometry g, float[] x, int xOff, int k0, int k1, int p0, int width, bool squared, float[] packed, int panel)
    {
        int kernel = g.KernelH * g.KernelW, outW = g.OutW, height = g.Height, imageW = g.Width, sh = g.StrideH, sw = g.StrideW;
        int i0 = p0 / outW, j0 = p0 - i0 * outW;
        for (int k = k0; k < k1; k++)
        {
            int c = k / kernel, uv = k - c * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
            int plane = xOff + c * height * imageW;
            var dst = packed.AsSpan((k - k0) * panel, panel);
            dst.Clear();
            var (lo, hi) = InImage(v, outW, imageW, sw, g.PadW);
            for (int jj = 0, i = i0, j = j0; jj < width; jj += outW - j, j = 0, i++)
            {
                int r = i * sh + u - g.PadH;
                if (r < 0 || r >= height) continue;
                int from = Math.Max(lo, j), to = Math.Min(hi, j + width - jj); // output columns of this segment
                int src = plane + r * imageW + v - g.PadW, at = jj - j;
                if (squared)
                    for (int q = from; q < to; q++)
                    {
                        float xv = x[src + q * sw];
                        dst[at + q] = xv * xv;
                    }
                else if (sw == 1)
                {
                    if (from < to) x.AsSpan(src + from, to - from).CopyTo(dst[(at + from)..]);
                }
                else
                    for (int q = from; q < to; q++) dst[at + q] = x[src + q * sw];
            }
        }
    }

    /// <summary>
    /// packed rows [row0, row0 + P) (one per position p, panel wide) = the patch entries k0..k0 + width of sample
    /// x[xOff..] at p, zero past width and in the padding: the transposed patch matrix of one sample, stacked below
    /// the others. Written row by row (contiguous; the column-wise scatter it replaced touched a new cache line per
    /// element); a window wholly inside the image reads its taps through <paramref name="offsets"/> (scratch, >= width).
    /// </summary>
    internal static void PackPatchesTransposed(in Conv2dGeometry g, float[] x, int xOff, int k0, int width, float[] packed, int row0, int panel, int[] offsets)
    {
        int kernel = g.KernelH * g.KernelW, kw = g.KernelW, kh = g.KernelH, height = g.Height, imageW = g.Width, plane = height * imageW;
        for (int jj = 0; jj < width; jj++)
        {
            int k = k0 + jj, c = k / kernel, uv = k - c * kernel, u = uv / kw;
            offsets[jj] = c * plane + u * imageW + uv - u * kw;
        }
        int at = row0 * panel;
        for (int i = 0; i < g.OutH; i++)
        {
            int top = i * g.StrideH - g.PadH;
            bool rowsInside = top >= 0 && top + kh <= height;
            for (int j = 0; j < g.OutW; j++, at += panel)
            {
                int left = j * g.StrideW - g.PadW;
                var dst = packed.AsSpan(at, panel);
                if (rowsInside && left >= 0 && left + kw <= imageW)
                {
                    int origin = xOff + top * imageW + left;
                    for (int jj = 0; jj < width; jj++) dst[jj] = x[origin + offsets[jj]];
                }
                else
                    for (int jj = 0; jj < width; jj++)
                    {
                        int k = k0 + jj, c = k / kernel, uv = k - c * kernel, u = uv / kw, v = uv - u * kw;
                        int r = top + u, q = left + v;
                        dst[jj] = r < 0 || r >= height || q < 0 || q >= imageW ? 0f : x[xOff + c * plane + r * imageW + q];
                    }
                dst[width..].Clear();
            }
        }
    }

    /// <summary>col2im: dst[dOff + (c, r, q)] += cols[k, p] for every in-image tap (cols is (K, P)), in the order of the kernel's taps.</summary>
    private static void AddPatches(in Conv2dGeometry g, float[] cols, float[] dst, int dOff)
    {
        int kernel = g.KernelH * g.KernelW, positions = g.Positions, outW = g.OutW, height = g.Height, imageW = g.Width, sw = g.StrideW;
        for (int k = 0; k < g.PatchLength; k++)
        {
            int c = k / kernel, uv = k - c * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
            int plane = dOff + c * height * imageW;
            var (lo, hi) = InImage(v, outW, imageW, sw, g.PadW);
            for (int i = 0; i < g.OutH; i++)
            {
                int r = i * g.StrideH + u - g.PadH;
                if (r < 0 || r >= height) continue;
                int from = k * positions + i * outW, to = plane + r * imageW + v - g.PadW;
                for (int j = lo; j < hi; j++) dst[to + j * sw] += cols[from + j];
            }
        }
    }

    /// <summary>The output columns [lo, hi) whose tap v (stride sw, padding pw) falls inside an image row of imageW pixels.</summary>
    private static (int Lo, int Hi) InImage(int v, int outW, int imageW, int sw, int pw)
    {
        // q = j sw + v - pw in [0, imageW): j >= ceil((pw - v) / sw), j <= floor((imageW - 1 + pw - v) / sw)
        int lo = pw > v ? (pw - v + sw - 1) / sw : 0;
        int last = imageW - 1 + pw - v;
        int hi = last < 0 ? 0 : Math.Min(outW, last / sw + 1);
        return (Math.Min(lo, hi), hi);
    }
}
