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

    // One slot per ops type (a static index per T), read without a lock: layers ask for their ops on
    // every call of every pass, so a hit must cost an array read, not a lock and a dictionary lookup.
    private static int s_opsTypes;
    private static class OpsSlot<T> { public static readonly int Index = Interlocked.Increment(ref s_opsTypes) - 1; }
    private object?[] _layerOps = new object?[8];
    private readonly Lock _layerOpsLock = new();

    /// <summary>
    /// The operations of one layer kind on this backend (its ILGPU or native implementation, which
    /// <paramref name="create"/> picks), created on first use and kept for the backend's life: a new
    /// layer kind brings its own ops class (kernels and native code beside it) instead of adding
    /// members to this class. Ops that hold device memory are disposed with the backend.
    /// </summary>
    public T LayerOps<T>(Func<Backend, T> create) where T : class
    {
        int slot = OpsSlot<T>.Index;
        var table = Volatile.Read(ref _layerOps);
        if (slot < table.Length && table[slot] is T hit) return hit;
        lock (_layerOpsLock)
        {
            table = _layerOps;
            if (slot < table.Length && table[slot] is T raced) return raced;
            var created = create(this);
            table = _layerOps; // create may have published other ops (the lock is re-entrant)
            var grown = new object?[Math.Max(table.Length, slot + 1)];
            Array.Copy(table, grown, table.Length);
            grown[slot] = created;
            Volatile.Write(ref _layerOps, grown);
            return created;
        }
    }

    /// <summary>Disposes the layer ops created by <see cref="LayerOps"/>; each backend's <see cref="Dispose"/> calls it first.</summary>
    protected void DisposeLayerOps()
    {
        lock (_layerOpsLock)
        {
            foreach (var ops in _layerOps) (ops as IDisposable)?.Dispose();
            Volatile.Write(ref _layerOps, new object?[8]);
        }
    }
}
