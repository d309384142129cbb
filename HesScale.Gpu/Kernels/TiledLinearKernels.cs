using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Shared-memory tiled version of <see cref="LinearKernels.Forward"/> for layers large enough to
/// reuse tiles: a group of tile x tile threads computes a tile x tile block of y, staging
/// tile-wide slices of x and W in shared memory so each value is read from global memory once
/// per block instead of once per output. Groups stride over the blocks (grid-stride loop).
/// Shapes: x (N, in), W (out, in), b (out), y (N, out). The tile is chosen at launch
/// (sqrt of the group size, at most <see cref="MaxTile"/>).
/// </summary>
internal static class TiledLinearKernels
{
    /// <summary>Largest tile edge: 16 x 16 = 256 threads, the GPU group size.</summary>
    public const int MaxTile = 16;

    /// <summary>y = x W^T + b, one tile x tile output block per group iteration.</summary>
    public static void Forward(
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int n, int inW, int outW, int hasBias, int tile)
    {
        var xs = SharedMemory.Allocate<float>(MaxTile * MaxTile); // xs[r, k] = x[r0 + r, k0 + k]
        var ws = SharedMemory.Allocate<float>(MaxTile * MaxTile); // ws[c, k] = W[c0 + c, k0 + k]
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int colBlocks = (outW + tile - 1) / tile;
        int blocks = ((n + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int r0 = block / colBlocks * tile, c0 = (block - block / colBlocks * colBlocks) * tile;
            int row = r0 + ty, col = c0 + tx;
            float acc = 0f;
            for (int k0 = 0; k0 < inW; k0 += tile)
            {
                if (active)
                {
                    int k = k0 + tx;
                    xs[ty * tile + tx] = row < n && k < inW ? x[row * inW + k] : 0f;
                    ws[ty * tile + tx] = c0 + ty < outW && k < inW ? w[(c0 + ty) * inW + k] : 0f;
                }
                Group.Barrier();
                if (active)
                {
                    for (int k = 0; k < tile; k++) acc += xs[ty * tile + k] * ws[tx * tile + k];
                }
                Group.Barrier();
            }
            if (active && row < n && col < outW) y[row * outW + col] = hasBias != 0 ? acc + b[col] : acc;
        }
    }

    /// <summary>
    /// Bin[c, s, i] = sum_o B[c, s, o] W[o, i]^p (p = 1 for the first linearChannels channels, 2 after),
    /// as one product of the (C N, out) matrix B with W: rows r = c N + s, tiles of W staged raw in
    /// shared memory and squared by the rows of curvature channels. Bin is (C, N, in).
    /// </summary>
    public static void BackwardInput(
        ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> bIn,
        int n, int inW, int outW, int channels, int linearChannels, int tile)
    {
        var bs = SharedMemory.Allocate<float>(MaxTile * MaxTile); // bs[r, k] = B[r0 + r, k0 + k]
        var ws = SharedMemory.Allocate<float>(MaxTile * MaxTile); // ws[k, i] = W[k0 + k, c0 + i]
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int rows = channels * n;
        int colBlocks = (inW + tile - 1) / tile;
        int blocks = ((rows + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int r0 = block / colBlocks * tile, c0 = (block - block / colBlocks * colBlocks) * tile;
            int row = r0 + ty, col = c0 + tx;
            bool squared = row / n >= linearChannels;
            float acc = 0f;
            for (int k0 = 0; k0 < outW; k0 += tile)
            {
                if (active)
                {
                    bs[ty * tile + tx] = row < rows && k0 + tx < outW ? bOut[row * outW + k0 + tx] : 0f;
                    ws[ty * tile + tx] = k0 + ty < outW && col < inW ? w[(k0 + ty) * inW + col] : 0f;
                }
                Group.Barrier();
                if (active) acc = TileProduct.RowTimesColumn(acc, bs, ws, ty, tx, tile, false, squared);
                Group.Barrier();
            }
            if (active && row < rows && col < inW) bIn[row * inW + col] = acc;
        }
    }

    /// <summary>
    /// <see cref="LinearKernels.BackwardInputActivation"/> tiled: a group computes a tile x tile block
    /// of (sample s, input i) for every channel in turn (channel 0 first, so each thread holds its
    /// g_z when the curvature channels need s''(a) g_z), staging tiles of B[c] and W as
    /// <see cref="BackwardInput"/> does. a, z, gz are (N, in); Bin is (C, N, in).
    /// </summary>
    public static void BackwardInputActivation(
        ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> a, ArrayView<float> z, ArrayView<float> gz, ArrayView<float> bIn,
        int n, int inW, int outW, int channels, int kind, float slope, int packedModes, int tile)
    {
        var bs = SharedMemory.Allocate<float>(MaxTile * MaxTile); // bs[r, k] = B[c, r0 + r, k0 + k]
        var ws = SharedMemory.Allocate<float>(MaxTile * MaxTile); // ws[k, i] = W[k0 + k, c0 + i]
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int count = n * inW;
        int colBlocks = (inW + tile - 1) / tile;
        int blocks = ((n + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int r0 = block / colBlocks * tile, c0 = (block - block / colBlocks * colBlocks) * tile;
            int row = r0 + ty, col = c0 + tx;
            bool inside = active && row < n && col < inW;
            int idx = row * inW + col;
            float d1 = 0f, d2 = 0f, g = 0f;
            if (inside) ActivationMath.Derivatives(kind, slope, a[idx], z[idx], out d1, out d2);
            for (int c = 0; c < channels; c++)
            {
                float acc = 0f;
                for (int k0 = 0; k0 < outW; k0 += tile)
                {
                    if (active)
                    {
                        bs[ty * tile + tx] = row < n && k0 + tx < outW ? bOut[(c * n + row) * outW + k0 + tx] : 0f;
                        ws[ty * tile + tx] = k0 + ty < outW && col < inW ? w[(k0 + ty) * inW + col] : 0f;
                    }
                    Group.Barrier();
                    if (active) acc = TileProduct.RowTimesColumn(acc, bs, ws, ty, tx, tile, false, c > 0);
                    Group.Barrier();
                }
                if (!inside) continue;
                if (c == 0)
                {
                    g = acc;
                    gz[idx] = g;
                    bIn[idx] = d1 * g;
                }
                else
                {
                    float d = d1 * d1 * acc;
                    if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += d2 * g;
                    bIn[c * count + idx] = d;
                }
            }
        }
    }

    /// <summary>
    /// dW[c, o, i] = sum_s B[c, s, o] h[s, i]^p and, when hasBias, db[c, o] = sum_s B[c, s, o] as the
    /// extra column i = in where h is 1: per channel the product B_c^T h, rows r = c out + o.
    /// Tiles of B and h are staged in shared memory; h is squared for curvature channels.
    /// </summary>
    public static void BackwardWeight(
        ArrayView<float> bOut, ArrayView<float> h, ArrayView<float> dW, ArrayView<float> db,
        int n, int inW, int outW, int channels, int linearChannels, int hasBias, int tile)
    {
        var bs = SharedMemory.Allocate<float>(MaxTile * MaxTile); // bs[r, k] = B[c, k0 + k, o] for row r0 + r = (c, o)
        var hs = SharedMemory.Allocate<float>(MaxTile * MaxTile); // hs[k, i] = h[k0 + k, c0 + i] (1 in the bias column)
        int t = Group.IdxX;
        int ty = t / tile, tx = t - ty * tile;
        bool active = t < tile * tile;
        int rows = channels * outW, cols = inW + (hasBias != 0 ? 1 : 0);
        int colBlocks = (cols + tile - 1) / tile;
        int blocks = ((rows + tile - 1) / tile) * colBlocks;
        for (int block = Grid.IdxX; block < blocks; block += Grid.DimX)
        {
            int r0 = block / colBlocks * tile, c0 = (block - block / colBlocks * colBlocks) * tile;
            int row = r0 + ty, col = c0 + tx;
            // The row this thread loads into bs (ty's row) and its channel and output.
            int c = row / outW, o = row - c * outW;
            bool squared = c >= linearChannels;
            float acc = 0f;
            for (int k0 = 0; k0 < n; k0 += tile)
            {
                if (active)
                {
                    int s = k0 + tx;
                    bs[ty * tile + tx] = row < rows && s < n ? bOut[(c * n + s) * outW + o] : 0f;
                    int sh = k0 + ty;
                    hs[ty * tile + tx] = sh >= n || col >= cols ? 0f : col == inW ? 1f : h[sh * inW + col];
                }
                Group.Barrier();
                if (active) acc = TileProduct.RowTimesColumn(acc, bs, hs, ty, tx, tile, false, squared);
                Group.Barrier();
            }
            if (active && row < rows && col < cols)
            {
                if (col == inW) db[row] = acc;
                else dW[row * inW + col] = acc;
            }
        }
    }
}
