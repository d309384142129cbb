using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>Optimizer kernels, compiled on first use.</summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdParameters>? _sgd;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdaptiveParameters>? _adaptive;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, AdaptiveParameters>? _scaledMoments;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int>? _stridedSum;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, float, float>? _scaleFromSum;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdaptiveParameters>? _scaledApply;

    private static ArrayView<float> V(DeviceBuffer buffer, int offset, int length) => V(buffer).SubView(offset, length);

    public override void SgdStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer momentum, SgdParameters s)
    {
        _sgd ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, SgdParameters>(OptimizerKernels.Sgd);
        _sgd(Config(s.Length), V(theta), V(grad, gradOffset, s.Length), V(momentum), s);
    }

    public override void AdaptiveStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, AdaptiveParameters a)
    {
        _adaptive ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdaptiveParameters>(OptimizerKernels.Adaptive);
        _adaptive(Config(a.Length), V(theta), V(grad, gradOffset, a.Length), V(curv, curvOffset, a.Length), V(m), V(v), a);
    }

    public override int PartialSlots(int length)
    {
        var config = Shape(length);
        return config.GridDim.X * config.GroupDim.X;
    }

    public override void ScaledMoments(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, DeviceBuffer? w, DeviceBuffer partials, int partialOffset, AdaptiveParameters a)
    {
        _scaledMoments ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, AdaptiveParameters>(OptimizerKernels.ScaledMoments);
        int slots = PartialSlots(a.Length);
        _scaledMoments(Config(a.Length), V(theta), V(grad, gradOffset, a.Length), V(curv, curvOffset, a.Length), V(m), V(v),
            VOrDummy(w), V(partials, partialOffset, slots), w is null ? 0 : 1, a);
    }

    public override void ScaleFromPartials(DeviceBuffer partials, int count, DeviceBuffer scratch, DeviceBuffer scale, float delta, float alphaMax)
    {
        _stridedSum ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int>(OptimizerKernels.StridedSum);
        _scaleFromSum ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, float, float>(OptimizerKernels.ScaleFromSum);
        int parts = Math.Min(count, ReductionParts);
        _stridedSum(Config(parts), V(partials), V(scratch), count, parts);
        Launches++;
        _scaleFromSum(new KernelConfig(1, 1), V(scratch), V(scale), parts, delta, alphaMax);
    }

    public override void ScaledApply(DeviceBuffer theta, DeviceBuffer m, DeviceBuffer v, DeviceBuffer scale, AdaptiveParameters a)
    {
        _scaledApply ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdaptiveParameters>(OptimizerKernels.ScaledApply);
        _scaledApply(Config(a.Length), V(theta), V(m), V(v), V(scale), a);
    }
}
