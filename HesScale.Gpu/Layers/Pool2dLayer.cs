using System.Globalization;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Layers;

/// <summary>
/// Max or average 2-D pooling (PyTorch semantics, <see cref="Pool2dGeometry"/>), parameterless and linear in its input
/// at the current point: max routes every channel to the window's arg-max (recomputed from x), average spreads 1/k
/// to the gradient and (1/k)^2 to the curvature channels.
/// </summary>
internal sealed class Pool2dLayer : Layer
{
    private readonly Pool2dGeometry _g;

    public Pool2dLayer(LayerSpec spec, int index, int firstParameter, TensorShape input)
        : this(spec, index, firstParameter, input, Geometry(spec, index, input)) { }

    private Pool2dLayer(LayerSpec spec, int index, int firstParameter, TensorShape input, Pool2dGeometry g)
        : base(spec, index, firstParameter, input, new TensorShape(g.Channels, g.OutH, g.OutW)) => _g = g;

    private static Pool2dGeometry Geometry(LayerSpec spec, int index, TensorShape input)
    {
        try
        {
            return new Pool2dGeometry(spec.Kind == LayerKind.MaxPool2d, (input.Channels, input.Height, input.Width),
                new Window2d(spec.KernelH, spec.KernelW, spec.StrideH, spec.StrideW, spec.PadH, spec.PadW));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Layer {index} {spec} on input {input}: {e.Message}");
        }
    }

    public override string OpName => _g.Layer;

    public override string ArchitectureText => string.Create(CultureInfo.InvariantCulture,
        $"{_g.Layer}(k{_g.KernelH}x{_g.KernelW},s{_g.StrideH}x{_g.StrideW},p{_g.PadH}x{_g.PadW})");

    public override string ShapeText(int n, bool forward) => forward ? $"N={n} {InputShape}->{OutputShape}" : $"N={n} {InputShape}<-{OutputShape}";

    private static ImageOps Ops(Backend b) => b.LayerOps(ImageOps.Create);

    public override void Forward(Backend b, DeviceBuffer x, DeviceBuffer y, ReadOnlySpan<DeviceBuffer> p, int n) => Ops(b).PoolForward(_g, x, y, n);

    public override void Backward(Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed)
    {
        if (bIn is not null) Ops(b).PoolBackward(_g, x, bOut, bIn, n, channels, 1);
    }

    public override int Columns(Backend b, in ColumnPass pass, DeviceBuffer x, DeviceBuffer g, DeviceBuffer s, DeviceBuffer sIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> diagonal, int columns, bool first)
    {
        // Columns are linear channels: every one takes 1/k (not squared) through an average pool.
        if (!first) Ops(b).PoolBackward(_g, x, s, sIn, pass.N, columns, columns);
        return columns;
    }

    public override void RForward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer ry, ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, int columns, int n) =>
        // NetworkSpec puts a layer with parameters first, so a pool always has R{x} from the layer before.
        Ops(b).PoolRForward(_g, x, rx ?? throw new InvalidOperationException("A pool cannot be a network's first layer."), ry, columns, n);

    public override void RBackward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer g, DeviceBuffer rg, DeviceBuffer? rgIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<DeviceBuffer> hv, int columns, int n)
    {
        if (rgIn is not null) Ops(b).PoolBackward(_g, x, rg, rgIn, n, columns, columns);
    }
}
