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
/// Launches are asynchronous on GPUs; <see cref="Synchronize"/> waits. The declarations are grouped
/// by who calls them: buffers and the loss here, the methods' own (output factors, R-loss,
/// reductions) in <c>Backend.Curvature.cs</c>, the optimizers' in <c>Backend.Optimizers.cs</c>.
/// Each layer kind's operations are its own ops class, reached through <see cref="LayerOps"/>
/// (<see cref="Layers.LinearOps"/>, <see cref="Layers.ActivationOps"/>).
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

    /// <summary>Per-sample loss shares (N) and the output channel stack B (C, N, K).</summary>
    public abstract void LossBackward(LossSpec loss, DeviceBuffer y, DeviceBuffer targets, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes);

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
