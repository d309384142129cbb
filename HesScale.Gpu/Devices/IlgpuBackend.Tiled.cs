using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>The launch geometry of the shared-memory tiled kernels (<see cref="TiledLinearKernels"/>, run by <see cref="IlgpuLinearOps"/>).</summary>
internal sealed partial class IlgpuBackend
{
    /// <summary>Tile edge this accelerator's groups allow: floor(sqrt(group size)), at most 16; 1 means no tiling.</summary>
    public int Tile => Math.Min(TiledLinearKernels.MaxTile, (int)Math.Sqrt(_groupSize));

    /// <summary><see cref="Tile"/>, or an <see cref="InvalidOperationException"/> when the groups are too small for tiles.</summary>
    public int CheckedTile()
    {
        int tile = Tile;
        if (tile < 2)
            throw new InvalidOperationException($"Groups of {_groupSize} threads are too small for tiles (device {Name}).");
        return tile;
    }

    /// <summary>One group per tile x tile block of a (rows, cols) result, capped at the grid size (groups stride); counts one launch.</summary>
    public KernelConfig TileShape(int rows, int cols, int tile)
    {
        Launches++;
        int blocks = ((rows + tile - 1) / tile) * ((cols + tile - 1) / tile);
        return new KernelConfig(Math.Clamp(blocks, 1, _maxGroups), _groupSize);
    }
}
