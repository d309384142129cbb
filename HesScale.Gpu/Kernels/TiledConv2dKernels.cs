using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Shared-memory tiled versions of <see cref="Conv2dKernels"/> (forward, backward input, backward weight whole or split-K) as
/// implicit GEMMs: the patch matrix (im2col) is never stored; each load of a tile computes the input pixel (or
/// output gradient) an entry stands for and reads 0 in the padding. A group of tile x tile threads computes a
/// tile x tile block of the product, staging tile-wide K-slices of both operands in shared memory as
/// <see cref="TiledLinearKernels"/> does (2 x 16 x 16 floats = 2 KB per group on a GPU); groups stride over the blocks.
/// Threads along x (tx) walk the product's columns, which are the layouts' fastest axes (positions, pixels, weight
/// taps), so loads and stores of a warp are contiguous runs. Shapes per <see cref="Conv2dGeometry"/>: x (N, Cin, H, W),
/// y (N, Cout, OH, OW), W (Cout, Cin, kh, kw) = (Cout, K) with K = Cin*kh*kw, P = OH*OW; channel stacks are
/// (C, N, ...) with the first linearChannels the gradient (W, x) and the rest curvature diagonals (W^2, x^2),
/// all in one launch. accumulate = 1 adds to the output (the R-operator's second term).
/// </summary>
internal static class TiledConv2dKernels
{
    /// <summary>
    /// y[s, o, p] = b[o] + sum_k W[o, k] patch[k, (s, p)]: the (Cout, K) x (K, N*P) product, rows o, columns (s, p).
    /// patch[k = (c, u, v), (s, p = (i, j))] = x[s, c, i*sh + u - ph, j*sw + v - pw] (0 in the padding).
    /// </summary>
    public static void Forward(
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        Conv2dGeometry g, int n, int hasBias, int accumulate, int tile)
    {
        var ws = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // ws[o, k] = W[o0 + o, k0 + k]
        var ps = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // ps[k, col] = patch[k0 + k, c0 + col]
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int positions = g.OutH * g.OutW, plane = g.Height * g.Width, inSize = g.InChannels * plane;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel;
        int cols = n * positions;
        int colBlocks = (cols + tile - 1) / tile;
        int blocks = ((g.OutChannels + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int o0 = block / colBlocks * tile, c0 = (block - block / colBlocks * colBlocks) * tile;
            int o = o0 + ty, col = c0 + tx;
            // This thread's column (s, i, j), loaded into ps every K-slice: the window's top-left corner.
            int s = col / positions, p = col - s * positions;
            int i = p / g.OutW, j = p - i * g.OutW;
            int top = i * g.StrideH - g.PadH, left = j * g.StrideW - g.PadW, xBase = s * inSize;
            float acc = 0f;
            for (int k0 = 0; k0 < patch; k0 += tile)
            {
                if (active)
                {
                    int kw = k0 + tx;
                    ws[ty * tile + tx] = o < g.OutChannels && kw < patch ? w[o * patch + kw] : 0f;
                    int k = k0 + ty;
                    float value = 0f;
                    if (col < cols && k < patch)
                    {
                        int c = k / kernel, uv = k - c * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
                        int r = top + u, q = left + v;
                        if (r >= 0 && r < g.Height && q >= 0 && q < g.Width) value = x[xBase + c * plane + r * g.Width + q];
                    }
                    ps[ty * tile + tx] = value;
                }
                Group.Barrier();
                if (active)
                {
                    for (int k = 0; k < tile; k++) acc += ws[ty * tile + k] * ps[k * tile + tx];
                }
                Group.Barrier();
            }
            if (active && o < g.OutChannels && col < cols)
            {
                int at = (s * g.OutChannels + o) * positions + p;
                if (hasBias != 0) acc += b[o];
                y[at] = accumulate != 0 ? y[at] + acc : acc;
            }
        }
    }

    /// <summary>
    /// The transposed convolution of every channel of the stack: Bin[row, c, pix] = sum_k W[k, c]^p A[k, (row, pix)],
    /// the (Cin, Cout*kh*kw) x (Cout*kh*kw, C*N*H*W) product with rows c, columns (row = ch*N + s, pix = (r, q)) and
    /// k = (o, u, v); A[k, (row, r, q)] = B[row, o, i, j] where the window puts tap (u, v) of output (i, j) on (r, q)
    /// (<see cref="Window2d.OutputOf"/>), else 0. p = 1 for a column of a linear channel, 2 after (W staged raw, squared
    /// by those columns' threads). Bin is (C, N, Cin, H, W); a gather, so no atomics.
    /// </summary>
    public static void BackwardInput(
        ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> bIn,
        Conv2dGeometry g, int n, int channels, int linearChannels, int accumulate, int tile)
    {
        var ws = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // ws[c, k] = W[k0 + k, c0 + c]
        var bs = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // bs[k, col] = A[k0 + k, col0 + col]
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int positions = g.OutH * g.OutW, outSize = g.OutChannels * positions, plane = g.Height * g.Width;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel, reduce = g.OutChannels * kernel;
        int cols = channels * n * plane;
        int colBlocks = (cols + tile - 1) / tile;
        int blocks = ((g.InChannels + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int ci0 = block / colBlocks * tile, col0 = (block - block / colBlocks * colBlocks) * tile;
            int c = ci0 + ty, col = col0 + tx;
            // This thread's column: stack row (ch, s), input pixel (r, q); its channel decides W or W^2.
            int row = col / plane, pix = col - row * plane;
            int r = pix / g.Width, q = pix - r * g.Width;
            bool squared = row / n >= linearChannels;
            int bBase = row * outSize;
            float acc = 0f;
            for (int k0 = 0; k0 < reduce; k0 += tile)
            {
                if (active)
                {
                    int kw = k0 + tx;
                    float wv = 0f;
                    if (c < g.InChannels && kw < reduce)
                    {
                        int o = kw / kernel, uv = kw - o * kernel;
                        wv = w[o * patch + c * kernel + uv];
                    }
                    ws[ty * tile + tx] = wv;
                    int k = k0 + ty;
                    float value = 0f;
                    if (col < cols && k < reduce)
                    {
                        int o = k / kernel, uv = k - o * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
                        if (Window2d.OutputOf(r, g.PadH, u, g.StrideH, g.OutH, out int i) && Window2d.OutputOf(q, g.PadW, v, g.StrideW, g.OutW, out int j))
                            value = bOut[bBase + o * positions + i * g.OutW + j];
                    }
                    bs[ty * tile + tx] = value;
                }
                Group.Barrier();
                if (active) acc = TileProduct.RowTimesColumn(acc, ws, bs, ty, tx, tile, squared, false);
                Group.Barrier();
            }
            if (active && c < g.InChannels && col < cols)
            {
                int at = (row * g.InChannels + c) * plane + pix;
                bIn[at] = accumulate != 0 ? bIn[at] + acc : acc;
            }
        }
    }

    /// <summary>
    /// Parameter quantities of every channel: dW[ch, o, k] = sum_{(s, p)} B[ch, s, o, p] patch[k, (s, p)]^e, the
    /// (C*Cout, N*P) x (N*P, K + bias) product with rows (ch, o), columns k and the extra column k = K the bias
    /// (patch 1: db[ch, o] = sum of B). e = 1 for rows of linear channels, 2 after (patches staged raw, squared by
    /// those rows' threads). dW is (C, Cout, Cin, kh, kw), db is (C, Cout). <see cref="BackwardWeightSlices"/> is the
    /// same product split along N*P.
    /// </summary>
    public static void BackwardWeight(
        ArrayView<float> bOut, ArrayView<float> x, ArrayView<float> dW, ArrayView<float> db,
        Conv2dGeometry g, int n, int channels, int linearChannels, int hasBias, int accumulate, int tile)
    {
        var bs = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // bs[row, m] = B[row0 + row, m0 + m]
        var ps = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // ps[m, k] = patch[k0 + k, m0 + m]
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        int patch = g.InChannels * g.KernelH * g.KernelW;
        int rows = channels * g.OutChannels, cols = patch + (hasBias != 0 ? 1 : 0);
        int colBlocks = (cols + tile - 1) / tile;
        int blocks = ((rows + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int row = block / colBlocks * tile + ty, k = (block - block / colBlocks * colBlocks) * tile + tx;
            float acc = WeightTile(bOut, x, bs, ps, g, n, linearChannels, row, k, rows, cols, 0, n * g.OutH * g.OutW, tile);
            if (t < tile * tile && row < rows && k < cols)
            {
                if (k == patch)
                {
                    db[row] = accumulate != 0 ? db[row] + acc : acc;
                }
                else
                {
                    int at = row * patch + k;
                    dW[at] = accumulate != 0 ? dW[at] + acc : acc;
                }
            }
        }
    }

    /// <summary>
    /// <see cref="BackwardWeight"/> split along its reduction (split-K): the product is small (C*Cout x K+1) and its
    /// reduction long (N*P), so the reduction is cut into <paramref name="slices"/> runs of whole tiles, a group per
    /// (block, run), and each run's sums go to partial (slices, C*Cout, K + bias) for <see cref="SumSlices"/>.
    /// </summary>
    public static void BackwardWeightSlices(
        ArrayView<float> bOut, ArrayView<float> x, ArrayView<float> partial,
        Conv2dGeometry g, int n, int channels, int linearChannels, int hasBias, int slices, int tile)
    {
        var bs = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile); // as in BackwardWeight
        var ps = SharedMemory.Allocate<float>(TiledLinearKernels.MaxTile * TiledLinearKernels.MaxTile);
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        int rows = channels * g.OutChannels, cols = g.InChannels * g.KernelH * g.KernelW + (hasBias != 0 ? 1 : 0);
        int reduce = n * g.OutH * g.OutW;
        int run = ((reduce + slices - 1) / slices + tile - 1) / tile * tile; // reduction items per slice, whole tiles
        int colBlocks = (cols + tile - 1) / tile;
        int blocks = ((rows + tile - 1) / tile) * colBlocks;
        for (int item = Grid.IdxX; item < blocks * slices; item += Grid.DimX)
        {
            int slice = item / blocks, block = item - slice * blocks;
            int row = block / colBlocks * tile + ty, k = (block - block / colBlocks * colBlocks) * tile + tx;
            int mEnd = (slice + 1) * run < reduce ? (slice + 1) * run : reduce;
            float acc = WeightTile(bOut, x, bs, ps, g, n, linearChannels, row, k, rows, cols, slice * run, mEnd, tile);
            if (t < tile * tile && row < rows && k < cols) partial[(slice * rows + row) * cols + k] = acc;
        }
    }

    /// <summary>
    /// One thread's sum of the weight product over reduction items [<paramref name="mStart"/>, <paramref name="mEnd"/>)
    /// (m = (s, p)), for its <paramref name="row"/> (ch, o) and column <paramref name="k"/> (c, u, v; K the bias),
    /// staging tile x tile slices of B and the patches in <paramref name="bs"/> and <paramref name="ps"/>. Every thread
    /// of the group calls it (it holds the group's barriers); threads outside the tile or the product return 0.
    /// </summary>
    private static float WeightTile(
        ArrayView<float> bOut, ArrayView<float> x, ArrayView<float> bs, ArrayView<float> ps,
        Conv2dGeometry g, int n, int linearChannels, int row, int k, int rows, int cols, int mStart, int mEnd, int tile)
    {
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int positions = g.OutH * g.OutW, outSize = g.OutChannels * positions, plane = g.Height * g.Width, inSize = g.InChannels * plane;
        int kernel = g.KernelH * g.KernelW, patch = g.InChannels * kernel;
        // The row this thread loads into bs and accumulates (channel, output channel), and its column's tap (c, u, v).
        int ch = row / g.OutChannels, o = row - ch * g.OutChannels;
        bool squared = ch >= linearChannels;
        int c = k / kernel, uv = k - c * kernel, u = uv / g.KernelW, v = uv - u * g.KernelW;
        int xTap = c * plane;
        float acc = 0f;
        for (int m0 = mStart; m0 < mEnd; m0 += tile)
        {
            if (active)
            {
                int mb = m0 + tx;
                float bv = 0f;
                if (row < rows && mb < mEnd)
                {
                    int s = mb / positions, p = mb - s * positions;
                    bv = bOut[(ch * n + s) * outSize + o * positions + p];
                }
                bs[ty * tile + tx] = bv;
                int m = m0 + ty;
                float value = 0f;
                if (m < mEnd && k < cols)
                {
                    if (k == patch)
                    {
                        value = 1f;
                    }
                    else
                    {
                        int s = m / positions, p = m - s * positions;
                        int i = p / g.OutW, j = p - i * g.OutW;
                        int rr = i * g.StrideH + u - g.PadH, q = j * g.StrideW + v - g.PadW;
                        if (rr >= 0 && rr < g.Height && q >= 0 && q < g.Width) value = x[s * inSize + xTap + rr * g.Width + q];
                    }
                }
                ps[ty * tile + tx] = value;
            }
            Group.Barrier();
            if (active) acc = TileProduct.RowTimesColumn(acc, bs, ps, ty, tx, tile, false, squared);
            Group.Barrier();
        }
        return acc;
    }

    /// <summary>
    /// The second half of <see cref="BackwardWeightSlices"/>: dW[row, k] (db[row] for k = K) = the sum over slices of
    /// partial (slices, rows, cols), in slice order (deterministic, no atomics); added to when accumulate is 1.
    /// One thread per (row, k); rows = C*Cout, cols = K + bias, <paramref name="patch"/> = K.
    /// </summary>
    public static void SumSlices(ArrayView<float> partial, ArrayView<float> dW, ArrayView<float> db, int rows, int cols, int patch, int slices, int accumulate)
    {
        int total = rows * cols;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            float acc = 0f;
            for (int slice = 0; slice < slices; slice++) acc += partial[slice * total + idx];
            int row = idx / cols, k = idx - row * cols;
            if (k == patch)
            {
                db[row] = accumulate != 0 ? db[row] + acc : acc;
            }
            else
            {
                int at = row * patch + k;
                dW[at] = accumulate != 0 ? dW[at] + acc : acc;
            }
        }
    }
}
