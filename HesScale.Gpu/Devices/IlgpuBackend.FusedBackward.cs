using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>
/// The backward of a Linear layer and the activation before it in two launches: the weight product,
/// then the input product written through s'(a), s''(a) (<see cref="LinearKernels.BackwardInputActivation"/>,
/// tiled where <see cref="UsesTiledBackward"/> says so), instead of three.
/// </summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, float, int>? _linearActivationBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        int, int, int, int, int, float, int, int>? _tiledLinearActivationBackward;

    public override void LinearActivationBackward(DeviceBuffer bOut, DeviceBuffer w, LayerSpec activation, DeviceBuffer a, DeviceBuffer z,
        DeviceBuffer bz, DeviceBuffer ba, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW, int channels, int packedModes)
    {
        // The weight product alone (no input stack), simple or tiled by the same rule as LinearBackward.
        LinearBackward(bOut, z, w, null, dW, db, n, inW, outW, channels, 1);
        int kind = (int)activation.Kind;
        if (UsesTiledBackward(n, inW, outW, channels))
        {
            int tile = CheckedTile();
            _tiledLinearActivationBackward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
                int, int, int, int, int, float, int, int>(TiledLinearKernels.BackwardInputActivation);
            _tiledLinearActivationBackward(TileConfig(n, inW, tile), V(bOut), V(w), V(a), V(z), V(bz), V(ba),
                n, inW, outW, channels, kind, activation.Slope, packedModes, tile);
            return;
        }
        _linearActivationBackward ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            int, int, int, int, int, float, int>(LinearKernels.BackwardInputActivation);
        _linearActivationBackward(Config(n * inW), V(bOut), V(w), V(a), V(z), V(bz), V(ba), n, inW, outW, channels, kind, activation.Slope, packedModes);
    }
}
