using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using HesScale.Gpu.Native;

namespace HesScale.Gpu.Layers;

/// <summary>
/// The Linear layer's backend operations (<see cref="LinearLayer"/> calls them): a = x W^T + b, W (out, in).
/// One object per backend through <see cref="Backend.LayerOps"/> (<see cref="Of"/>): <see cref="IlgpuLinearOps"/>
/// beside the kernels (<see cref="LinearKernels"/>, <see cref="TiledLinearKernels"/>, <see cref="CurvatureKernels"/>)
/// and <see cref="NativeLinearOps"/> beside <see cref="Gemm"/>.
/// </summary>
internal abstract class LinearOps(Backend backend)
{
    /// <summary>The backend these operations run on.</summary>
    protected Backend Backend { get; } = backend;

    /// <summary>This backend's Linear operations, created on first use.</summary>
    public static LinearOps Of(Backend backend) => backend.LayerOps(Create);

    private static LinearOps Create(Backend backend) => backend switch
    {
        Devices.IlgpuBackend ilgpu => new IlgpuLinearOps(ilgpu),
        NativeBackend native => new NativeLinearOps(native),
        _ => throw new NotSupportedException($"No Linear operations for backend {backend.Name}."),
    };

    /// <summary>y (N, out) = x (N, in) W^T + b.</summary>
    public abstract void Forward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW);

    /// <summary>
    /// a (N, out) = x W^T + b and z = s(a): the forward of a Linear layer and the activation after
    /// it. Backends that can fuse the two override this; the default runs them one after the other.
    /// </summary>
    public virtual void ForwardActivation(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer a, LayerSpec activation, DeviceBuffer z, int n, int inW, int outW)
    {
        Forward(x, w, b, a, n, inW, outW);
        ActivationOps.Of(Backend).Forward(activation, a, z, n * outW);
    }

    /// <summary>
    /// Channel stack through a Linear layer: parameter quantities dW (C, out, in), db (C, out) and,
    /// unless <paramref name="bIn"/> is null, the stack for the layer input (C, N, in).
    /// </summary>
    public abstract void Backward(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels);

    /// <summary>
    /// The backward of a Linear layer and the activation before it (forward order a -> z = s(a) ->
    /// Linear), channel 0 the gradient and 1.. curvature channels of <paramref name="packedModes"/>:
    /// dW, db as <see cref="Backward"/> (h = z), the stack at the activation's input
    /// <paramref name="ba"/> (C, N, in), and the gradient channel of the stack at z in
    /// <paramref name="bz"/> (its first N in values: the estimators read dL/dz; other channels of
    /// <paramref name="bz"/> may be left unwritten). Backends that fuse the activation into the input
    /// product override this; the default runs the two operations one after the other.
    /// </summary>
    public virtual void BackwardActivation(DeviceBuffer bOut, DeviceBuffer w, LayerSpec activation, DeviceBuffer a, DeviceBuffer z,
        DeviceBuffer bz, DeviceBuffer ba, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW, int channels, int packedModes)
    {
        Backward(bOut, z, w, bz, dW, db, n, inW, outW, channels, 1);
        ActivationOps.Of(Backend).Backward(activation, a, z, bz, ba, n * inW, channels, packedModes);
    }

    /// <summary>Sin (R, N, in) = Sout (R, N, out) W.</summary>
    public abstract void ColumnsThrough(DeviceBuffer sOut, DeviceBuffer w, DeviceBuffer sIn, int columns, int n, int inW, int outW);

    /// <summary>KFAC diagonal of a Linear layer from the per-sample output energies q (N, out).</summary>
    public abstract void KfacWeight(DeviceBuffer q, DeviceBuffer h, DeviceBuffer dW, DeviceBuffer? db, int n, int inW, int outW);

    /// <summary>R{a} (R, N, out) of a Linear layer; <paramref name="rh"/> null means R{h} = 0 (the network input).</summary>
    public abstract void RForward(DeviceBuffer? rh, DeviceBuffer h, DeviceBuffer w, DeviceBuffer v, DeviceBuffer? vb, DeviceBuffer ra,
        int columns, int n, int inW, int outW);

    /// <summary>R{g_in} = R{g} W + g V (R, N, in).</summary>
    public abstract void RBackwardInput(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer w, DeviceBuffer v, DeviceBuffer rgIn, int columns, int n, int inW, int outW);

    /// <summary>(H v) of a Linear layer's weight (R, out, in) and bias (R, out).</summary>
    public abstract void RBackwardWeight(DeviceBuffer rg, DeviceBuffer g, DeviceBuffer h, DeviceBuffer? rh, DeviceBuffer hv, DeviceBuffer? hvb,
        int columns, int n, int inW, int outW);
}
