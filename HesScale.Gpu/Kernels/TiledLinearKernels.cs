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
}
