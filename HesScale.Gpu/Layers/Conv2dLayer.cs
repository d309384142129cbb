using System.Globalization;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Layers;

/// <summary>
/// y = conv(x, W) + b (PyTorch's Conv2d; W (Cout, Cin*kh*kw) row-major = PyTorch's (Cout, Cin, kh, kw), b (Cout) optional).
/// Linear in its input: the gradient goes back by the transposed convolution with W, every curvature channel
/// with W^2; the shared weight's diagonal is the sum over batch and positions of input^2 times the channel
/// (docs/method.md). Exact/GGN columns square the sum over positions (<see cref="ImageColumnKernels.ConvColumnWeight"/>).
/// </summary>
internal sealed class Conv2dLayer : Layer
{
    private readonly Conv2dGeometry _g;
    private readonly (string Name, int Rows, int Cols)[] _parameters;

    public Conv2dLayer(LayerSpec spec, int index, int firstParameter, TensorShape input)
        : this(spec, index, firstParameter, input, Geometry(spec, index, input)) { }

    private Conv2dLayer(LayerSpec spec, int index, int firstParameter, TensorShape input, Conv2dGeometry g)
        : base(spec, index, firstParameter, input, new TensorShape(g.OutChannels, g.OutH, g.OutW))
    {
        _g = g;
        _parameters = spec.Bias ? [("weight", g.OutChannels, g.PatchLength), ("bias", g.OutChannels, 1)] : [("weight", g.OutChannels, g.PatchLength)];
    }

    /// <summary>The geometry, or an <see cref="ArgumentException"/> naming the layer and the numbers.</summary>
    private static Conv2dGeometry Geometry(LayerSpec spec, int index, TensorShape input)
    {
        try
        {
            return new Conv2dGeometry((input.Channels, input.Height, input.Width), spec.In, spec.Out,
                new Window2d(spec.KernelH, spec.KernelW, spec.StrideH, spec.StrideW, spec.PadH, spec.PadW));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Layer {index} {spec} on input {input}: {e.Message}");
        }
    }

    private bool HasBias => Spec.Bias;

    public override IReadOnlyList<(string Name, int Rows, int Cols)> Parameters => _parameters;

    public override float InitBound => 1f / MathF.Sqrt(_g.PatchLength);

    public override string OpName => "conv2d";

    public override string ArchitectureText => string.Create(CultureInfo.InvariantCulture,
        $"conv2d({_g.InChannels},{_g.OutChannels},k{_g.KernelH}x{_g.KernelW},s{_g.StrideH}x{_g.StrideW},p{_g.PadH}x{_g.PadW},{(HasBias ? "bias" : "nobias")})");

    public override string ShapeText(int n, bool forward) => forward ? $"N={n} {InputShape}->{OutputShape}" : $"N={n} {InputShape}<-{OutputShape}";

    private DeviceBuffer? Bias(ReadOnlySpan<DeviceBuffer> tensors) => HasBias ? tensors[1] : null;

    private static ImageOps Ops(Backend b) => b.LayerOps(ImageOps.Create);

    public override void Forward(Backend b, DeviceBuffer x, DeviceBuffer y, ReadOnlySpan<DeviceBuffer> p, int n) =>
        Ops(b).ConvForward(_g, x, p[0], Bias(p), y, n);

    public override void Backward(Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed)
    {
        var ops = Ops(b);
        // Channel 0 (the gradient) is linear; the curvature channels take W^2 and x^2.
        ops.ConvBackwardWeight(_g, bOut, x, stacks[0], Bias(stacks), n, channels, 1);
        if (bIn is not null) ops.ConvBackwardInput(_g, bOut, p[0], bIn, n, channels, 1);
    }

    public override int Columns(Backend b, in ColumnPass pass, DeviceBuffer x, DeviceBuffer g, DeviceBuffer s, DeviceBuffer sIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> diagonal, int columns, bool first)
    {
        var ops = Ops(b);
        int n = pass.N;
        if (pass.Kfac)
        {
            // KFC: Gamma from the column energies q (N, out), Omega from the input patches.
            b.ColumnEnergy(s, pass.Signs, pass.Energy, columns, n, Out, pass.Scale);
            ops.ConvKfcWeight(_g, pass.Energy, x, diagonal[0], Bias(diagonal), n);
        }
        else ops.ConvColumnWeight(_g, s, pass.Signs, x, diagonal[0], Bias(diagonal), columns, n, pass.Scale);
        // Columns are linear: R*N rows through the transposed convolution with W.
        if (!first) ops.ConvBackwardInput(_g, s, p[0], sIn, columns * n, 1, 1);
        return columns;
    }

    public override void RForward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer ry, ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, int columns, int n) =>
        Ops(b).ConvRForward(_g, x, rx, p[0], v[0], Bias(v), ry, columns, n);

    public override void RBackward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer g, DeviceBuffer rg, DeviceBuffer? rgIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<DeviceBuffer> hv, int columns, int n) =>
        Ops(b).ConvRBackward(_g, x, rx, g, rg, rgIn, p[0], v[0], hv[0], Bias(hv), columns, n);
}
