using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>The comparison methods' kernels, compiled on first use.</summary>
internal sealed partial class IlgpuBackend
{
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float, int, ulong, ulong>? _outputFactors;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _columnsThroughLinear;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, float>? _columnsThroughActivation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? _columnEnergy;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _kfacWeight;
    private Action<KernelConfig, ArrayView<float>, int, ulong, ulong>? _rademacher;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>? _productMean;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int, int, int, int>? _copyPower;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _rForwardLinear;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? _rForwardActivation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float>? _rLoss;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>? _rBackwardActivation;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>? _rBackwardLinearInput;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>? _rBackwardLinearWeight;

    public override void OutputFactors(LossSpec loss, DeviceBuffer y, DeviceBuffer s, DeviceBuffer signs, int n, int k, int columns, int mode, ulong seed, ulong stream)
    {
        _outputFactors ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float, int, ulong, ulong>(CurvatureKernels.OutputFactors);
        _outputFactors(Config(columns * n), V(y), V(s), V(signs), n, k, columns, loss.Kind == LossKind.CrossEntropy ? 1 : 0, 1f / loss.Divisor(n, k), mode, seed, stream);
    }

    public override void ColumnsThroughLinear(DeviceBuffer sOut, DeviceBuffer w, DeviceBuffer sIn, int columns, int n, int inW, int outW)
    {
        _columnsThroughLinear ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureKernels.ThroughLinear);
        _columnsThroughLinear(Config(columns * n * inW), V(sOut), V(w), V(sIn), columns, n, inW, outW);
    }

    public override void ColumnsThroughActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer sz, DeviceBuffer sa, DeviceBuffer signs,
        int columns, bool residual, int n, int width)
    {
        _columnsThroughActivation ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, float>(CurvatureKernels.ThroughActivation);
        _columnsThroughActivation(Config((columns + (residual ? width : 0)) * n * width), V(a), V(g), V(sz), V(sa), V(signs),
            columns, residual ? 1 : 0, n, width, (int)layer.Kind, layer.Slope);
    }

    public override void ColumnEnergy(DeviceBuffer s, DeviceBuffer signs, DeviceBuffer q, int columns, int n, int width, float scale)
    {
        _columnEnergy ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(CurvatureKernels.ColumnEnergy);
        _columnEnergy(Config(n * width), V(s), V(signs), V(q), columns, n, width, scale);
    }

    public override void KfacWeight(DeviceBuffer q, DeviceBuffer h, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW)
    {
        _kfacWeight ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureKernels.KfacWeight);
        _kfacWeight(Config(outW * (inW + 1)), V(q), V(h), V(dW), VOrDummy(db), n, inW, outW, db is null ? 0 : 1);
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

    public override void RForwardLinear(DeviceBuffer? rh, DeviceBuffer h, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ra,
        int columns, int n, int inW, int outW)
    {
        _rForwardLinear ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(RForwardKernels.Linear);
        _rForwardLinear(Config(columns * n * outW), VOrDummy(rh), V(h), V(w), V(v), VOrDummy(vb), V(ra), columns, n, inW, outW, rh is null ? 0 : 1, vb is null ? 0 : 1);
    }

    public override void RForwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer ra, DeviceBuffer rz, int columns, int count)
    {
        _rForwardActivation ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(RForwardKernels.Activation);
        _rForwardActivation(Config(columns * count), V(a), V(ra), V(rz), columns, count, (int)layer.Kind, layer.Slope);
    }

    public override void RLoss(LossSpec loss, DeviceBuffer y, DeviceBuffer ry, DeviceBuffer rg, int columns, int n, int k)
    {
        _rLoss ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float>(RForwardKernels.Loss);
        _rLoss(Config(columns * n), V(y), V(ry), V(rg), columns, n, k, loss.Kind == LossKind.CrossEntropy ? 1 : 0, 1f / loss.Divisor(n, k));
    }

    public override void RBackwardActivation(LayerSpec layer, DeviceBuffer a, DeviceBuffer g, DeviceBuffer ra, DeviceBuffer rgz, DeviceBuffer rga, int columns, int count)
    {
        _rBackwardActivation ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(CurvatureRBackwardKernels.Activation);
        _rBackwardActivation(Config(columns * count), V(a), V(g), V(ra), V(rgz), V(rga), columns, count, (int)layer.Kind, layer.Slope);
    }

    public override void RBackwardLinearInput(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer w, DeviceBuffer v, DeviceBuffer rgIn, int columns, int n, int inW, int outW)
    {
        _rBackwardLinearInput ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int>(CurvatureRBackwardKernels.LinearInput);
        _rBackwardLinearInput(Config(columns * n * inW), V(rg), V(g), V(w), V(v), V(rgIn), columns, n, inW, outW);
    }

    public override void RBackwardLinearWeight(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer h, DeviceBuffer? rh, DeviceBuffer hv, DeviceBuffer? hvb,
        int columns, int n, int inW, int outW)
    {
        _rBackwardLinearWeight ??= _accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(CurvatureRBackwardKernels.LinearWeight);
        _rBackwardLinearWeight(Config(columns * outW * (inW + 1)), V(rg), V(g), V(h), VOrDummy(rh), V(hv), VOrDummy(hvb), columns, n, inW, outW, rh is null ? 0 : 1, hvb is null ? 0 : 1);
    }
}
