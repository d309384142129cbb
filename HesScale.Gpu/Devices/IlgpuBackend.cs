using HesScale.Gpu.Engine;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Gpu.Devices;

/// <summary>
/// Runs the kernels of <see cref="Kernels"/> through an ILGPU accelerator (CUDA, OpenCL or the
/// CPU simulator); the layers' kernels run through their ops classes (<see cref="IlgpuLinearOps"/>,
/// <see cref="IlgpuActivationOps"/>). Kernels are compiled once and launched explicitly grouped
/// with grid-stride loops, so the same code serves a GPU (many groups of 256) and the simulator
/// (one small group, which keeps its per-thread overhead low).
/// </summary>
internal sealed partial class IlgpuBackend : Backend
{
    private readonly Context? _ownedContext;
    private readonly Accelerator _accelerator;
    private readonly bool _ownsAccelerator;
    private readonly int _groupSize;
    private readonly int _maxGroups;
    private readonly DeviceBuffer _dummy;

    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float, int> _lossBackward;

    /// <summary>
    /// A backend on <paramref name="accelerator"/>. <paramref name="ownedContext"/> (null for an
    /// application's accelerator) and, when <paramref name="ownsAccelerator"/>, the accelerator are
    /// disposed with this backend; otherwise they stay the application's.
    /// </summary>
    public IlgpuBackend(Context? ownedContext, Accelerator accelerator, DeviceKind kind, bool ownsAccelerator = true)
    {
        _ownedContext = ownedContext;
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        Kind = kind;
        Name = $"{KindName(kind)}: {accelerator.Name} (ILGPU {accelerator.AcceleratorType})";
        bool simulator = accelerator.AcceleratorType == AcceleratorType.CPU;
        _groupSize = simulator ? accelerator.MaxNumThreadsPerGroup : Math.Min(256, accelerator.MaxNumThreadsPerGroup);
        _maxGroups = simulator ? 1 : Math.Max(1, accelerator.NumMultiprocessors * 16);

        _lossBackward = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, float, int>(LossKernels.Backward);
        _dummy = Allocate(1);
    }

    public override DeviceKind Kind { get; }
    public override string Name { get; }

    internal static string KindName(DeviceKind kind) => kind switch
    {
        DeviceKind.Cuda => "cuda",
        DeviceKind.OpenCL => "opencl",
        DeviceKind.IlgpuCpu => "ilgpu-cpu",
        DeviceKind.Cpu => "cpu",
        _ => "auto",
    };

    /// <summary>The launch shape for <paramref name="total"/> grid-stride items; counts one launch.</summary>
    private KernelConfig Config(int total)
    {
        Launches++;
        return Shape(total);
    }

    /// <summary>
    /// <see cref="Config"/> for layer ops classes (<see cref="Backend.LayerOps"/>) that load their own
    /// kernels on <see cref="Accelerator"/>: the grid-stride launch shape, counted as one launch.
    /// </summary>
    public KernelConfig LaunchShape(int total) => Config(total);

    private KernelConfig Shape(int total)
    {
        // Grid-stride loops add the grid size to an int index: refuse totals where that could wrap.
        long gridThreads = (long)_groupSize * _maxGroups;
        if (total < 0 || total > int.MaxValue - gridThreads)
            throw new ArgumentOutOfRangeException(nameof(total), total, $"A kernel over {total} items is beyond int indexing on this device (at most {int.MaxValue - gridThreads}); use a smaller batch.");
        int groups = Math.Clamp((total + _groupSize - 1) / _groupSize, 1, _maxGroups);
        return new KernelConfig(groups, _groupSize);
    }

    private static ArrayView<float> V(DeviceBuffer buffer) => ((Buffer)buffer).Memory.View;

    private ArrayView<float> VOrDummy(DeviceBuffer? buffer) => V(buffer ?? _dummy);

    /// <summary>The whole device view of <paramref name="buffer"/>, for layer ops classes' launches.</summary>
    public static ArrayView<float> View(DeviceBuffer buffer) => V(buffer);

    /// <summary><see cref="View"/>, or a one-float dummy for an absent (null) buffer the kernel is told to skip.</summary>
    public ArrayView<float> ViewOrDummy(DeviceBuffer? buffer) => VOrDummy(buffer);

    public override DeviceBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var memory = _accelerator.Allocate1D<float>(Math.Max(1, length));
        memory.MemSetToZero();
        return new Buffer(this, memory, length);
    }

    public override void LossBackward(LossSpec loss, DeviceBuffer y, DeviceBuffer targets, DeviceBuffer b, DeviceBuffer lossPerSample,
        int n, int k, int channels, int packedModes) =>
        _lossBackward(Config(n), V(y), V(targets), V(b), V(lossPerSample), n, k, channels,
            loss.Kind == LossKind.CrossEntropy ? 1 : 0, 1f / loss.Divisor(n, k), packedModes);

    public override void Synchronize()
    {
        HostSyncs++;
        _accelerator.Synchronize();
    }

    public override void Dispose()
    {
        DisposeLayerOps();
        _dummy.Dispose();
        if (_ownsAccelerator) _accelerator.Dispose();
        _ownedContext?.Dispose();
    }

    private sealed class Buffer(IlgpuBackend owner, MemoryBuffer1D<float, Stride1D.Dense> memory, int length) : DeviceBuffer
    {
        public MemoryBuffer1D<float, Stride1D.Dense> Memory { get; } = memory;
        public override int Length { get; } = length;

        // ILGPU's CopyFromCPU/CopyToCPU(ref T, length) take a raw address of a *pinned* host
        // buffer; an unpinned managed array can move under a GC during the copy (seen as rare,
        // garbage parameters in the full test suite). Pin for the duration of the copy.
        public override unsafe void Upload(ReadOnlySpan<float> source, int offset = 0)
        {
            if (source.Length == 0) return;
            Check(offset, source.Length);
            fixed (float* pinned = source)
                Memory.View.SubView(offset, source.Length).CopyFromCPU(ref *pinned, source.Length);
        }

        public override unsafe void Download(Span<float> destination, int offset = 0)
        {
            if (destination.Length == 0) return;
            Check(offset, destination.Length);
            owner.HostSyncs++; // a device-to-host copy waits for every queued kernel
            fixed (float* pinned = destination)
                Memory.View.SubView(offset, destination.Length).CopyToCPU(ref *pinned, destination.Length);
        }

        private void Check(int offset, int count)
        {
            if (offset < 0 || count < 0 || offset + count > Length)
                throw new ArgumentOutOfRangeException(nameof(offset), $"Range [{offset}, {offset + count}) is outside a buffer of {Length} floats.");
        }

        public override void Dispose() => Memory.Dispose();
    }
}
