using System.Globalization;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Native;

namespace HesScale.Gpu.Layers;

/// <summary>
/// a = x W^T + b with W (out, in) row-major as in PyTorch and b (out) optional. Linear in its input:
/// every curvature channel goes back through W^2 and gives the weight sum_n d h^2 (see
/// <see cref="Kernels.LinearKernels"/>); its backend operations are <see cref="LinearOps"/>.
/// </summary>
internal sealed class LinearLayer : Layer
{
    public LinearLayer(LayerSpec spec, int index, int firstParameter, TensorShape input)
        : base(spec, index, firstParameter, input, TensorShape.Vector(spec.Out))
    {
        if (input.Size != spec.In)
            throw new ArgumentException($"Layer {index} {spec} expects {spec.In} inputs but the previous layer gives {input.Size}.");
        _parameters = spec.Bias ? [("weight", Out, In), ("bias", Out, 1)] : [("weight", Out, In)];
    }

    private readonly (string Name, int Rows, int Cols)[] _parameters;

    private bool HasBias => Spec.Bias;

    public override IReadOnlyList<(string Name, int Rows, int Cols)> Parameters => _parameters;

    public override float InitBound => 1f / MathF.Sqrt(In);

    public override string OpName => "linear";

    public override string ArchitectureText => string.Create(CultureInfo.InvariantCulture, $"linear({In},{Out},{(HasBias ? "bias" : "nobias")})");

    public override string ShapeText(int n, bool forward) => forward ? $"N={n} {In}->{Out}" : $"N={n} {In}<-{Out}";

    private DeviceBuffer? Bias(ReadOnlySpan<DeviceBuffer> tensors) => HasBias ? tensors[1] : null;

    public override void Forward(Backend b, DeviceBuffer x, DeviceBuffer y, ReadOnlySpan<DeviceBuffer> p, int n) =>
        LinearOps.Of(b).Forward(x, p[0], Bias(p), y, n, In, Out);

    public override bool TryForwardWith(Layer next, Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer z, ReadOnlySpan<DeviceBuffer> p, int n)
    {
        if (next is not ActivationLayer activation) return false;
        // Linear + bias + activation in one pass; both the pre-activation (read by the
        // activation's backward) and the activation output are stored.
        LinearOps.Of(b).ForwardActivation(x, p[0], Bias(p), y, activation.Spec, z, n, In, Out);
        return true;
    }

    public override void Backward(Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed) =>
        LinearOps.Of(b).Backward(bOut, x, p[0], bIn, stacks[0], Bias(stacks), n, In, Out, channels, 1);

    public override bool TryBackwardWith(Layer previous, Backend b, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bOut, DeviceBuffer bz, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed)
    {
        // An activation first in the network needs no input stack: nothing to fuse.
        if (previous is not ActivationLayer activation || bIn is null) return false;
        LinearOps.Of(b).BackwardActivation(bOut, p[0], activation.Spec, a, z, bz, bIn, stacks[0], Bias(stacks), n, In, Out, channels, packed);
        return true;
    }

    public override int Columns(Backend b, in ColumnPass pass, DeviceBuffer x, DeviceBuffer g, DeviceBuffer s, DeviceBuffer sIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> diagonal, int columns, bool first)
    {
        int n = pass.N;
        // q (N, out) = scale * sum_r sign_r S_r^2; the weight diagonal is sum_n q h^2 (one channel
        // through the gradient kernel), or KFAC's G (x) A.
        b.ColumnEnergy(s, pass.Signs, pass.Energy, columns, n, Out, pass.Scale);
        if (pass.Kfac) LinearOps.Of(b).KfacWeight(pass.Energy, x, diagonal[0], Bias(diagonal), n, In, Out);
        else LinearOps.Of(b).Backward(pass.Energy, x, p[0], null, diagonal[0], Bias(diagonal), n, In, Out, 1, 0);
        if (!first) LinearOps.Of(b).ColumnsThrough(s, p[0], sIn, columns, n, In, Out);
        return columns;
    }

    public override void RForward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer ry, ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, int columns, int n) =>
        LinearOps.Of(b).RForward(rx, x, p[0], v[0], Bias(v), ry, columns, n, In, Out);

    public override void RBackward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer g, DeviceBuffer rg, DeviceBuffer? rgIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<DeviceBuffer> hv, int columns, int n)
    {
        LinearOps.Of(b).RBackwardWeight(rg, g, x, rx, hv[0], Bias(hv), columns, n, In, Out);
        if (rgIn is not null) LinearOps.Of(b).RBackwardInput(rg, g, p[0], v[0], rgIn, columns, n, In, Out);
    }

    public override IEnumerable<(string Op, Action Run)> ProfileVariants(Backend b, DeviceBuffer x, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels)
    {
        if (b is not NativeBackend native || n < NativeBackend.SmallBatch) return [];
        // The fused sweep on host copies of the same shapes (below SmallBatch the engine's
        // operation is the fused sweep already).
        var a = Host(bOut, x, p[0], bIn, stacks[0], Bias(stacks));
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = native.Threads };
        int inW = In, outW = Out;
        return [(FusedOp, () => FusedLinearBackward.Run(a[0]!, a[1]!, a[2]!, a[3], a[4]!, a[5], n, inW, outW, channels, 1, parallel))];
    }

    /// <summary>
    /// Op name of <see cref="FusedLinearBackward"/> (one sweep over W for all channels), timed next to
    /// linear_backward (the engine's panel products) on the native device from batch <see cref="NativeBackend.SmallBatch"/>.
    /// </summary>
    public const string FusedOp = "linear_backward_fused";

    private static float[]?[] Host(params DeviceBuffer?[] buffers) => buffers.Select(buffer =>
    {
        if (buffer is null) return null;
        var host = new float[buffer.Length];
        buffer.Download(host);
        return host;
    }).ToArray();
}
