using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Layers;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// <see cref="ActivationOps"/> on an ILGPU accelerator: <see cref="ActivationKernels"/> (compiled with the
/// ops) and the comparison methods' activation kernels (<see cref="CurvatureKernels"/>, <see cref="RForwardKernels"/>,
/// <see cref="CurvatureRBackwardKernels"/>; compiled on first use).
/// </summary>
internal sealed class IlgpuActivationOps : ActivationOps
{
    private readonly IlgpuBackend _backend;
    private readonly Accelerator _accelerator;

    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, float> _activationForward;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, int> _activationBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, float>? _columnsThroughActivation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? _rForwardActivation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? _rBackwardActivation;

    public IlgpuActivationOps(IlgpuBackend backend)
    {
        _backend = backend;
        _accelerator = backend.Accelerator;
        _activationForward = _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, float>(ActivationKernels.Forward);
        _activationBackward = _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, int>(ActivationKernels.Backward);
    }

    private KernelConfig Config(int total) => _backend.LaunchShape(total);

    private static ArrayView<float> V(DeviceBuffer buffer) => IlgpuBackend.View(buffer);

    public override void Forward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count) =>
        _activationForward(Config(count), V(a), V(z), count, (int)layer.Kind, layer.Slope);

    public override void Backward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes) =>
        _activationBackward(Config(count), V(a), V(z), V(bz), V(ba), count, channels, (int)layer.Kind, layer.Slope, packedModes);

    public override void ColumnsThrough(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width)
    {
        _columnsThroughActivation ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, float>(CurvatureKernels.ThroughActivation);
        _columnsThroughActivation(Config((columns + (residual ? width : 0)) * n * width), V(a), V(g), V(sz), V(sa), V(signs),
            columns, residual ? 1 : 0, n, width, (int)layer.Kind, layer.Slope);
    }

    public override void RForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count)
    {
        _rForwardActivation ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(RForwardKernels.Activation);
        _rForwardActivation(Config(columns * count), V(a), V(ra), V(rz), columns, count, (int)layer.Kind, layer.Slope);
    }

    public override void RBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count)
    {
        _rBackwardActivation ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(CurvatureRBackwardKernels.Activation);
        _rBackwardActivation(Config(columns * count), V(a), V(g), V(ra), V(rgz), V(rga), columns, count, (int)layer.Kind, layer.Slope);
    }
}
