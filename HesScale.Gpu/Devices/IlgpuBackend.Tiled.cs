using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>The launch geometry of the shared-memory tiled kernels (<see cref="TiledLinearKernels"/>, run by <see cref="IlgpuLinearOps"/>; <see cref="TiledConv2dKernels"/>).</summary>
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
    public KernelConfig TileShape(int rows, int cols, int tile) => GroupShape(((rows + tile - 1) / tile) * ((cols + tile - 1) / tile));

    /// <summary><paramref name="groups"/> groups of this accelerator's size, capped at <see cref="MaxGroups"/> (groups stride); counts one launch.</summary>
    public KernelConfig GroupShape(int groups)
    {
        Launches++;
        return new KernelConfig(Math.Clamp(groups, 1, _maxGroups), _groupSize);
    }

    /// <summary>The most groups a launch gets (16 per multiprocessor on a GPU, 1 on the simulator).</summary>
    public int MaxGroups => _maxGroups;
}
