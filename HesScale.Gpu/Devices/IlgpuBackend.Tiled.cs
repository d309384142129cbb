using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>The shared-memory tiled Linear forward (<see cref="TiledLinearKernels"/>) and when to use it.</summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _tiledForward;

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
        int tile = Tile;
        if (tile < 2)
            throw new InvalidOperationException($"Groups of {_groupSize} threads are too small for tiles (device {Name}).");
        _tiledForward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(TiledLinearKernels.Forward);
        int blocks = ((n + tile - 1) / tile) * ((outW + tile - 1) / tile);
        var config = new KernelConfig(Math.Clamp(blocks, 1, _maxGroups), _groupSize);
        _tiledForward(config, V(x), V(w), VOrDummy(b), V(y), n, inW, outW, b is null ? 0 : 1, tile);
    }
}
