using System.Globalization;
using HesScale.Gpu.Engine;

namespace HesScale.Gpu.Layers;

/// <summary>
/// z = s(a) elementwise, for every activation kind: the kinds differ only in s, s' and s'', written
/// once in <see cref="Kernels.ActivationMath"/> and shared by both backends, so one type over
/// <see cref="LayerSpec.Kind"/> serves them all (a type per function would repeat these eight
/// operations eight times). The curvature channels go back as s'(a)^2 d (+ s''(a) g per mode).
/// </summary>
internal sealed class ActivationLayer(LayerSpec spec, int index, int firstParameter, TensorShape input)
    : Layer(spec, index, firstParameter, input, input)
{
    public override string OpName => "activation";

    // Leaky ReLU carries its slope (round-trip format), the other kinds are their name.
    public override string ArchitectureText => Spec.Kind == LayerKind.LeakyReLU
        ? string.Create(CultureInfo.InvariantCulture, $"{LayerSpec.NameOf(Spec.Kind)}({Spec.Slope:R})")
        : LayerSpec.NameOf(Spec.Kind);

    // An exact column pass adds one residual column s''(a) g per value; where s'' is 0 everywhere (ReLU) they would
    // all be zero columns, and on conv nets there are C*H*W of them (cnn-small on 28x28: 3200 + 9216 beside the
    // 10 output columns), so none are added there and exact costs what the GGN does.
    private bool Curved => !Kernels.ActivationMath.SecondDerivativeIsZero(Spec.Kind);

    public override int ResidualColumns => Curved ? Out : 0;

    public override string ShapeText(int n, bool forward) => $"N={n} {LayerSpec.NameOf(Spec.Kind)} {Out}";

    public override void Forward(Backend b, DeviceBuffer x, DeviceBuffer y, ReadOnlySpan<DeviceBuffer> p, int n) =>
        ActivationOps.Of(b).Forward(Spec, x, y, n * Out);

    public override void Backward(Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed)
    {
        // The first layer's input gradient is never needed: an activation there has nothing to do.
        if (bIn is not null) ActivationOps.Of(b).Backward(Spec, x, y, bOut, bIn, n * Out, channels, packed);
    }

    public override int Columns(Backend b, in ColumnPass pass, DeviceBuffer x, DeviceBuffer g, DeviceBuffer s, DeviceBuffer sIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> diagonal, int columns, bool first)
    {
        if (first) return columns;
        bool residual = pass.Residual && Curved;
        ActivationOps.Of(b).ColumnsThrough(Spec, x, g, s, sIn, pass.Signs, columns, residual, pass.N, Out);
        return residual ? columns + Out : columns;
    }

    public override void RForward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer ry, ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, int columns, int n)
    {
        // NetworkSpec puts a Linear layer first, so an activation always has R{x} from the layer before.
        ActivationOps.Of(b).RForward(Spec, x, rx ?? throw new InvalidOperationException("An activation cannot be a network's first layer."), ry, columns, n * Out);
    }

    public override void RBackward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer g, DeviceBuffer rg, DeviceBuffer? rgIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<DeviceBuffer> hv, int columns, int n)
    {
        if (rgIn is not null && rx is not null) ActivationOps.Of(b).RBackward(Spec, x, g, rx, rg, rgIn, columns, n * Out);
    }
}
