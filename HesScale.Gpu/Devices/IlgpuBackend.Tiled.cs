using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>The shared-memory tiled Linear forward (<see cref="TiledLinearKernels"/>) and when to use it.</summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _tiledForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _tiledBackwardInput;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>? _tiledBackwardWeight;

    /// <summary>Tile edge this accelerator's groups allow: floor(sqrt(group size)), at most 16; 1 means no tiling.</summary>
    public int Tile => Math.Min(TiledLinearKernels.MaxTile, (int)Math.Sqrt(_groupSize));

    /// <summary>
    /// Whether a forward of these sizes takes the tiled kernel: tiles must exist and the output
    /// must fill at least one whole tile in each direction (a batch of 1 would leave most of each
    /// group idle, where the simple kernel gives every thread an output).
    /// </summary>
    public bool UsesTiledForward(int n, int outW) => Tile >= 2 && n >= Tile && outW >= Tile;

    /// <summary>y (N, out) = x (N, in) W^T + b with the tiled kernel, whatever the sizes (tests call it directly).</summary>
    public void LinearForwardTiled(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW)
    {
        int tile = CheckedTile();
        _tiledForward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(TiledLinearKernels.Forward);
        _tiledForward(TileConfig(n, outW, tile), V(x), V(w), VOrDummy(b), V(y), n, inW, outW, b is null ? 0 : 1, tile);
    }

    /// <summary>
    /// Whether a Linear backward takes the tiled kernels: the channel-stacked rows (C N for the
    /// input stack) and the product widths must each fill a tile.
    /// </summary>
    public bool UsesTiledBackward(int n, int inW, int outW, int channels) => Tile >= 2 && channels * n >= Tile && inW >= Tile && outW >= Tile && n >= Tile;

    /// <summary>LinearBackward with the tiled kernels, whatever the sizes (tests call it directly).</summary>
    public void LinearBackwardTiled(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels)
    {
        int tile = CheckedTile();
        _tiledBackwardWeight ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int, int>(TiledLinearKernels.BackwardWeight);
        int hasBias = db is null ? 0 : 1;
        _tiledBackwardWeight(TileConfig(channels * outW, inW + hasBias, tile), V(bOut), V(h), V(dW), VOrDummy(db), n, inW, outW, channels, linearChannels, hasBias, tile);
        if (bIn is null) return;
        _tiledBackwardInput ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(TiledLinearKernels.BackwardInput);
        _tiledBackwardInput(TileConfig(channels * n, inW, tile), V(bOut), V(w), V(bIn), n, inW, outW, channels, linearChannels, tile);
    }

    private int CheckedTile()
    {
        int tile = Tile;
        if (tile < 2)
            throw new InvalidOperationException($"Groups of {_groupSize} threads are too small for tiles (device {Name}).");
        return tile;
    }

    /// <summary>One group per tile x tile block of a (rows, cols) result, capped at the grid size (groups stride).</summary>
    private KernelConfig TileConfig(int rows, int cols, int tile)
    {
        Launches++;
        int blocks = ((rows + tile - 1) / tile) * ((cols + tile - 1) / tile);
        return new KernelConfig(Math.Clamp(blocks, 1, _maxGroups), _groupSize);
    }
}
