namespace HesScale.Gpu.Engine;

/// <summary>A float array owned by a backend (device memory or host memory).</summary>
internal abstract class DeviceBuffer : IDisposable
{
    public abstract int Length { get; }
    /// <summary>Copies <paramref name="source"/> into this buffer starting at <paramref name="offset"/>.</summary>
    public abstract void Upload(ReadOnlySpan<float> source, int offset = 0);
    /// <summary>Copies <c>destination.Length</c> floats starting at <paramref name="offset"/> to the host.</summary>
    public abstract void Download(Span<float> destination, int offset = 0);
    public abstract void Dispose();
}

/// <summary>
/// The operations a network pass needs, implemented once per kind of device. Shapes follow
/// <see cref="Kernels.LinearKernels"/>: channel stacks B are (C, N, width), channel 0 the
/// gradient and channels 1.. curvature diagonals with modes packed by <see cref="Kernels.Channels"/>.
/// Launches are asynchronous on GPUs; <see cref="Synchronize"/> waits.
/// </summary>
internal abstract partial class Backend : IDisposable
{
    public abstract DeviceKind Kind { get; }

    /// <summary>Kernel launches so far (device backends; the native path launches none).</summary>
    public long Launches { get; protected set; }

    /// <summary>Waits of the host for the device so far: explicit synchronisations and device-to-host copies.</summary>
    public long HostSyncs { get; protected internal set; }
    public abstract string Name { get; }

    /// <summary>A zero-filled buffer of <paramref name="length"/> floats.</summary>
    public abstract DeviceBuffer Allocate(int length);

    /// <summary>y (N, out) = x (N, in) W^T + b.</summary>
    public abstract void LinearForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer y, int n, int inW, int outW);

    /// <summary>
    /// a (N, out) = x W^T + b and z = s(a): the forward of a Linear layer and the activation after
    /// it. Backends that can fuse the two override this; the default runs them one after the other.
    /// </summary>
    public virtual void LinearActivationForward(DeviceBuffer x, DeviceBuffer w, DeviceBuffer? b, DeviceBuffer a, LayerSpec activation, DeviceBuffer z, int n, int inW, int outW)
    {
        LinearForward(x, w, b, a, n, inW, outW);
        ActivationForward(activation, a, z, n * outW);
    }

    /// <summary>z = s(a) elementwise over <paramref name="count"/> values.</summary>
    public abstract void ActivationForward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, int count);

    /// <summary>Per-sample loss shares (N) and the output channel stack B (C, N, K).</summary>
    public abstract void LossBackward(LossSpec loss, DeviceBuffer y, DeviceBuffer targets, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes);

    /// <summary>Channel stack through an activation: bz (C, N, w) to ba (C, N, w); count = N w; z = s(a) as stored by the forward pass.</summary>
    public abstract void ActivationBackward(LayerSpec layer, DeviceBuffer a, DeviceBuffer z, DeviceBuffer bz, DeviceBuffer ba, int count, int channels, int packedModes);

    /// <summary>
    /// Channel stack through a Linear layer: parameter quantities dW (C, out, in), db (C, out) and,
    /// unless <paramref name="bIn"/> is null, the stack for the layer input (C, N, in).
    /// </summary>
    public abstract void LinearBackward(DeviceBuffer bOut, DeviceBuffer h, DeviceBuffer w, DeviceBuffer? bIn, DeviceBuffer dW, DeviceBuffer? db,
        int n, int inW, int outW, int channels, int linearChannels);

    public abstract void Synchronize();

    public abstract void Dispose();

    private readonly Dictionary<Type, object> _layerOps = [];

    /// <summary>
    /// The operations of one layer kind on this backend (its ILGPU or native implementation, which
    /// <paramref name="create"/> picks), created on first use and kept for the backend's life: a new
    /// layer kind brings its own ops class (kernels and native code beside it) instead of adding
    /// members to this class. Ops that hold device memory are disposed with the backend.
    /// </summary>
    public T LayerOps<T>(Func<Backend, T> create) where T : class
    {
        lock (_layerOps)
        {
            if (_layerOps.TryGetValue(typeof(T), out var ops)) return (T)ops;
            var created = create(this);
            _layerOps.Add(typeof(T), created);
            return created;
        }
    }

    /// <summary>Disposes the layer ops created by <see cref="LayerOps"/>; each backend's <see cref="Dispose"/> calls it first.</summary>
    protected void DisposeLayerOps()
    {
        lock (_layerOps)
        {
            foreach (var ops in _layerOps.Values) (ops as IDisposable)?.Dispose();
            _layerOps.Clear();
        }
    }
}
