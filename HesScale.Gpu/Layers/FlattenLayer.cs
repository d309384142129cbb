using HesScale.Gpu.Engine;

namespace HesScale.Gpu.Layers;

/// <summary>
/// C x H x W -> (C*H*W) x 1 x 1: NCHW rows are already flat, so every step passes its buffer on unchanged
/// (a copy between the network's per-layer buffers: the passes give each layer its own output buffer).
/// </summary>
internal sealed class FlattenLayer(LayerSpec spec, int index, int firstParameter, TensorShape input)
    : Layer(spec, index, firstParameter, input, TensorShape.Vector(input.Size))
{
    public override string OpName => "flatten";

    public override string ShapeText(int n, bool forward) => $"N={n} {InputShape}->{Out}";

    public override void Forward(Backend b, DeviceBuffer x, DeviceBuffer y, ReadOnlySpan<DeviceBuffer> p, int n) =>
        b.CopyPower(x, y, 0, 0, n * Out, squared: false);

    public override void Backward(Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed)
    {
        if (bIn is not null) b.CopyPower(bOut, bIn, 0, 0, channels * n * Out, squared: false);
    }

    public override int Columns(Backend b, in ColumnPass pass, DeviceBuffer x, DeviceBuffer g, DeviceBuffer s, DeviceBuffer sIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> diagonal, int columns, bool first)
    {
        if (!first) b.CopyPower(s, sIn, 0, 0, columns * pass.N * Out, squared: false);
        return columns;
    }

    public override void RForward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer ry, ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, int columns, int n) =>
        b.CopyPower(rx ?? throw new InvalidOperationException("Flatten cannot be a network's first layer."), ry, 0, 0, columns * n * Out, squared: false);

    public override void RBackward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer g, DeviceBuffer rg, DeviceBuffer? rgIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<DeviceBuffer> hv, int columns, int n)
    {
        if (rgIn is not null) b.CopyPower(rg, rgIn, 0, 0, columns * n * Out, squared: false);
    }
}
