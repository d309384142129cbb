using HesScale.Gpu.Engine;

namespace HesScale.Gpu.Layers;

/// <summary>
/// One layer kind's operations on a <see cref="Backend"/> (BackPACK's per-module derivatives): its shapes,
/// its parameter tensors and initialisation, and every step a pass over the layers takes through it.
/// Passes (<see cref="Network"/>, <see cref="Curvature.CurvatureEstimator"/>, <see cref="Performance.OpProfile"/>)
/// keep one loop over <see cref="NetworkSpec.LayerObjects"/> and call these; no pass branches on the kind.
/// Buffers are batches, row-major: x (N, in) is the layer's input, y (N, out) its output, channel stacks
/// (C, N, out); <c>p</c> are this layer's parameter tensors in <see cref="Parameters"/> order (a span of
/// the network's, starting at <see cref="FirstParameter"/>). Layers are immutable and hold no buffers.
/// </summary>
internal abstract class Layer
{
    protected Layer(LayerSpec spec, int index, int firstParameter, TensorShape input, TensorShape output)
    {
        Spec = spec;
        Index = index;
        FirstParameter = firstParameter;
        InputShape = input;
        OutputShape = output;
    }

    /// <summary>The public description this layer was built from.</summary>
    public LayerSpec Spec { get; }
    /// <summary>Position in the network.</summary>
    public int Index { get; }
    /// <summary>Index of this layer's first tensor in <see cref="NetworkSpec.Parameters"/>.</summary>
    public int FirstParameter { get; }
    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape { get; }
    /// <summary>Shape of one output sample.</summary>
    public TensorShape OutputShape { get; }
    /// <summary>Input values per sample.</summary>
    public int In => InputShape.Size;
    /// <summary>Output values per sample.</summary>
    public int Out => OutputShape.Size;

    /// <summary>Parameter tensors as (name, rows, cols), row-major; empty for parameterless layers.</summary>
    public virtual IReadOnlyList<(string Name, int Rows, int Cols)> Parameters => [];

    /// <summary>Bound b of the uniform(-b, b) initialisation of this layer's tensors (PyTorch: 1/sqrt(fan-in)).</summary>
    public virtual float InitBound => 0f;

    /// <summary>This layer in a checkpoint's architecture line (<see cref="Checkpoints.Architecture"/>), e.g. "linear(64,10,bias)", "tanh".</summary>
    public virtual string ArchitectureText => LayerSpec.NameOf(Spec.Kind);

    /// <summary>Profiler op-name stem ("linear", "activation"): rows are "{stem}_forward" and "{stem}_backward".</summary>
    public abstract string OpName { get; }

    /// <summary>The shape column of profiler rows, e.g. "N=1 64->256" (forward) or "N=1 64&lt;-256" (backward).</summary>
    public abstract string ShapeText(int n, bool forward);

    // ---- forward ----

    /// <summary>y (N, out) = f(x; p).</summary>
    public abstract void Forward(Backend b, DeviceBuffer x, DeviceBuffer y, ReadOnlySpan<DeviceBuffer> p, int n);

    /// <summary>
    /// This layer and <paramref name="next"/> in one backend operation (Linear + bias + activation),
    /// writing this layer's output <paramref name="y"/> (read by the next one's backward) and the next
    /// one's <paramref name="z"/>; false when the pair has no fused form (then nothing ran).
    /// </summary>
    public virtual bool TryForwardWith(Layer next, Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer z, ReadOnlySpan<DeviceBuffer> p, int n) => false;

    // ---- fused backward (gradient and curvature channels) ----

    /// <summary>
    /// Channel stack bOut (C, N, out) to bIn (C, N, in; null for the first layer) and this layer's
    /// parameter stacks (C, tensor length) in <paramref name="stacks"/>; <paramref name="y"/> is this
    /// layer's forward output; <paramref name="packed"/> the curvature modes (<see cref="Kernels.Channels"/>).
    /// </summary>
    public abstract void Backward(Backend b, DeviceBuffer x, DeviceBuffer y, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed);

    /// <summary>
    /// This layer's <see cref="Backward"/> and that of <paramref name="previous"/> (the layer before it in
    /// the forward order) in one backend operation (a Linear layer and the activation before it):
    /// bOut (C, N, out) to bIn (C, N, previous.In; null for a first-layer <paramref name="previous"/>)
    /// and this layer's parameter stacks. <paramref name="a"/> and <paramref name="z"/> are the previous
    /// layer's input and output (z is this layer's input); of the stack <paramref name="bz"/> between
    /// the two only the gradient channel need be written. False when the pair has no fused form (then
    /// nothing ran). The backward loop asks for it as the forward asks for <see cref="TryForwardWith"/>.
    /// </summary>
    public virtual bool TryBackwardWith(Layer previous, Backend b, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bOut, DeviceBuffer bz, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels, int packed) => false;

    // ---- factor columns (exact, GGN, GGN-MC, KFAC) ----

    /// <summary>
    /// One layer of <see cref="Curvature.CurvatureEstimator"/>'s column pass: R signed columns S (R, N, out)
    /// in <paramref name="s"/> become the columns at the input in <paramref name="sIn"/> (unless
    /// <paramref name="first"/>), and this layer's parameter diagonals go to <paramref name="diagonal"/>.
    /// <paramref name="g"/> is dL/dy (N, out) of the gradient pass. Returns the column count at the input
    /// (activations add their residual columns when the pass asks for them).
    /// </summary>
    public abstract int Columns(Backend b, in ColumnPass pass, DeviceBuffer x, DeviceBuffer g, DeviceBuffer s, DeviceBuffer sIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> diagonal, int columns, bool first);

    /// <summary>Columns an exact-Hessian column pass adds at this layer (its own curvature, s''(a) g for activations); 0 when it is linear.</summary>
    public virtual int ResidualColumns => 0;

    // ---- R-operator (Hutchinson) ----

    /// <summary>R{y} (R, N, out) from R{x} (null for the network input: zero) and directions <paramref name="v"/> of this layer's tensors.</summary>
    public abstract void RForward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer ry, ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, int columns, int n);

    /// <summary>
    /// R{g} (R, N, out) back to R{g_in} (R, N, in; null for the first layer), and (H v) of this layer's
    /// tensors into <paramref name="hv"/> (R, tensor length); <paramref name="g"/> is dL/dy (N, out).
    /// </summary>
    public abstract void RBackward(Backend b, DeviceBuffer x, DeviceBuffer? rx, DeviceBuffer g, DeviceBuffer rg, DeviceBuffer? rgIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> v, ReadOnlySpan<DeviceBuffer> hv, int columns, int n);

    // ---- profiling ----

    /// <summary>
    /// Other implementations of <see cref="Backward"/> the profiler times next to it (name, run), on
    /// copies of the same buffers; none by default.
    /// </summary>
    public virtual IEnumerable<(string Op, Action Run)> ProfileVariants(Backend b, DeviceBuffer x, DeviceBuffer bOut, DeviceBuffer? bIn,
        ReadOnlySpan<DeviceBuffer> p, ReadOnlySpan<DeviceBuffer> stacks, int n, int channels) => [];

    /// <inheritdoc/>
    public override string ToString() => Spec.ToString();
}

/// <summary>What every layer of one factor-column pass shares: the batch, scratch and the method's choices.</summary>
/// <param name="Signs">Signs of the columns (R, N).</param>
/// <param name="Energy">Scratch for per-sample column energies (N, widest layer).</param>
/// <param name="N">Batch size.</param>
/// <param name="Residual">Whether activations add their signed residual columns (exact Hessian).</param>
/// <param name="Kfac">Whether parameter diagonals are KFAC's G (x) A instead of sum_n q h^2.</param>
/// <param name="Scale">Factor of the column energies (1/k for sampled columns).</param>
internal readonly record struct ColumnPass(DeviceBuffer Signs, DeviceBuffer Energy, int N, bool Residual, bool Kfac, float Scale);
