using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>The comparison methods' own kernels (the layers' are in <see cref="IlgpuLinearOps"/> and <see cref="IlgpuActivationOps"/>), compiled on first use.</summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float, int, ulong, ulong>? _outputFactors;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? _columnEnergy;
    private Action<KernelConfig, ArrayView<float>, int, ulong, ulong>? _rademacher;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>? _productMean;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, int>? _copyPower;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float>? _rLoss;

    public override void OutputFactors(LossSpec loss, DeviceBuffer y, DeviceBuffer s, DeviceBuffer signs, int n, int k, int columns, int mode, ulong seed, ulong stream)
    {
        _outputFactors ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float, int, ulong, ulong>(CurvatureKernels.OutputFactors);
        _outputFactors(Config(columns * n), V(y), V(s), V(signs), n, k, columns, loss.Kind == LossKind.CrossEntropy ? 1 : 0, 1f / loss.Divisor(n, k), mode, seed, stream);
    }

    public override void ColumnEnergy(DeviceBuffer s, DeviceBuffer signs, DeviceBuffer q, int columns, int n, int width, float scale)
    {
        _columnEnergy ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(CurvatureKernels.ColumnEnergy);
        _columnEnergy(Config(n * width), V(s), V(signs), V(q), columns, n, width, scale);
    }

    public override void Rademacher(DeviceBuffer v, int count, ulong seed, ulong stream)
    {
        _rademacher ??= _accelerator.LoadStreamKernel<ArrayView<float>, int, ulong, ulong>(CurvatureKernels.Rademacher);
        _rademacher(Config(count), V(v), count, seed, stream);
    }

    public override void ProductMean(DeviceBuffer v, DeviceBuffer hv, DeviceBuffer diag, int columns, int length, float scale)
    {
        _productMean ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(CurvatureKernels.ProductMean);
        _productMean(Config(length), V(v), V(hv), V(diag), columns, length, scale);
    }

    public override void CopyPower(DeviceBuffer src, DeviceBuffer dst, int srcOffset, int dstOffset, int count, bool squared)
    {
        _copyPower ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureKernels.CopyPower);
        _copyPower(Config(count), V(src), V(dst), srcOffset, dstOffset, count, squared ? 1 : 0);
    }

    public override void RLoss(LossSpec loss, DeviceBuffer y, DeviceBuffer ry, DeviceBuffer rg, int columns, int n, int k)
    {
        _rLoss ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float>(RForwardKernels.Loss);
        _rLoss(Config(columns * n), V(y), V(ry), V(rg), columns, n, k, loss.Kind == LossKind.CrossEntropy ? 1 : 0, 1f / loss.Divisor(n, k));
    }

}
