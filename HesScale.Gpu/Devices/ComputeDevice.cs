using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Native;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace HesScale.Gpu.Devices;

/// <summary>
/// A device that runs network passes: an ILGPU accelerator (CUDA, OpenCL, the CPU simulator)
/// or the native CPU path. Owns the accelerator it opened (not one given to
/// <see cref="FromAccelerator"/>); dispose it after the networks that use it.
/// </summary>
public sealed class ComputeDevice : IDisposable
{
    /// <summary>Environment variable read by <see cref="FromEnvironment"/>.</summary>
    public const string EnvironmentVariable = "HESSCALE_DEVICE";

    private bool _disposed;

    private ComputeDevice(Backend backend)
    {
        Backend = backend;
    }

    internal Backend Backend
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return field;
        }
    }

    /// <summary>Which backend this device runs on.</summary>
    public DeviceKind Kind => Backend.Kind;

    /// <summary>A readable description, e.g. "cuda: NVIDIA H100 (ILGPU Cuda)" or "cpu: native, 2 threads".</summary>
    public string Name => Backend.Name;

    /// <summary>Identifiers accepted by <see cref="Create(string, int)"/>.</summary>
    public static readonly IReadOnlyList<string> KindNames = ["auto", "cuda", "opencl", "cpu", "ilgpu-cpu"];

    /// <summary>Parses one of <see cref="KindNames"/> (case and surrounding spaces ignored); false for anything else.</summary>
    public static bool TryParseKind(string name, out DeviceKind kind)
    {
        switch (name.Trim().ToLowerInvariant())
        {
            case "auto": kind = DeviceKind.Auto; return true;
            case "cuda": case "gpu": kind = DeviceKind.Cuda; return true;
            case "opencl": case "cl": kind = DeviceKind.OpenCL; return true;
            case "cpu": case "native": kind = DeviceKind.Cpu; return true;
            case "ilgpu-cpu": case "ilgpu_cpu": case "simulator": kind = DeviceKind.IlgpuCpu; return true;
            default: kind = DeviceKind.Auto; return false;
        }
    }

    /// <summary>
    /// Opens a device by name (<see cref="KindNames"/>). Throws <see cref="ArgumentException"/> for an
    /// unknown name and <see cref="DeviceNotFoundException"/> when that kind is not present.
    /// </summary>
    public static ComputeDevice Create(string name, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!TryParseKind(name, out var kind))
            throw new ArgumentException($"Unknown device '{name}'; expected one of {string.Join(", ", KindNames)}.", nameof(name));
        return Create(kind, threads);
    }

    /// <summary>
    /// The device named on the command line if given, else by the environment variable
    /// HESSCALE_DEVICE, else <see cref="DeviceKind.Auto"/>.
    /// </summary>
    public static ComputeDevice FromEnvironment(string? commandLineValue, int threads = 0)
    {
        string? name = !string.IsNullOrWhiteSpace(commandLineValue) ? commandLineValue
            : Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(name) ? Create(DeviceKind.Auto, threads) : Create(name, threads);
    }

    /// <summary>
    /// Opens a device. <paramref name="threads"/> sets the native path's thread count
    /// (0: one per core); GPU kinds ignore it.
    /// </summary>
    public static ComputeDevice Create(DeviceKind kind = DeviceKind.Auto, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        switch (kind)
        {
            case DeviceKind.Cpu:
                return new ComputeDevice(new NativeBackend(threads, Gemm.WideByDefault));
            case DeviceKind.IlgpuCpu:
                {
                    // 2 threads per warp, 1 warp, 1 multiprocessor: the simulator's fastest setting
                    // for grid-stride kernels (20-50x faster per launch than the default warp 4, group 16).
                    var context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms());
                    return new ComputeDevice(new IlgpuBackend(context, context.CreateCPUAccelerator(0), kind));
                }
            case DeviceKind.Cuda:
            case DeviceKind.OpenCL:
                return TryCreateGpu(kind) ?? throw new DeviceNotFoundException(
                    $"No {IlgpuBackend.KindName(kind)} device found. Devices found: {string.Join("; ", ListAvailable())}.");
            case DeviceKind.Auto:
                return TryCreateGpu(DeviceKind.Cuda) ?? TryCreateGpu(DeviceKind.OpenCL) ?? new ComputeDevice(new NativeBackend(threads, Gemm.WideByDefault));
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown device kind.");
        }
    }

    /// <summary>
    /// A device on an accelerator the application already owns (CUDA, OpenCL or the CPU
    /// simulator), for GPU-bound applications that keep their data on it: networks on this device
    /// take and return <see cref="ArrayView{T}"/>s of that accelerator, and every kernel is queued
    /// on its <c>DefaultStream</c>. The accelerator and its Context stay the application's:
    /// disposing this device (or its networks and optimizers) frees only this library's buffers,
    /// never them. Dispose this device before the accelerator. The Context must have been
    /// built with <c>EnableAlgorithms()</c> (ILGPU.Algorithms: the kernels use XMath), as
    /// <see cref="Create(DeviceKind, int)"/> does. Kernels are compiled per device and stay
    /// loaded on the accelerator until it is disposed: create one device per accelerator and reuse it.
    /// </summary>
    public static ComputeDevice FromAccelerator(Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        if (accelerator.IsDisposed)
            throw new ArgumentException("The accelerator is disposed.", nameof(accelerator));
        var kind = accelerator.AcceleratorType switch
        {
            AcceleratorType.Cuda => DeviceKind.Cuda,
            AcceleratorType.OpenCL => DeviceKind.OpenCL,
            AcceleratorType.CPU => DeviceKind.IlgpuCpu,
            var other => throw new ArgumentException($"Accelerators of type {other} are not supported (expected Cuda, OpenCL or CPU).", nameof(accelerator)),
        };
        return new ComputeDevice(new IlgpuBackend(null, accelerator, kind, ownsAccelerator: false));
    }

    /// <summary>
    /// The ILGPU accelerator this device runs on (its buffers and kernels live there), or null for
    /// the native <c>cpu</c> device. Allocate the views given to the device-resident
    /// <c>Network.Backward</c> overloads on it.
    /// </summary>
    public Accelerator? Accelerator => (Backend as IlgpuBackend)?.Accelerator;

    /// <summary>The native CPU device with the given panel-tile family (tests run both on one machine).</summary>
    internal static ComputeDevice CreateNative(int threads, bool wideTiles) => new(new NativeBackend(threads, wideTiles));

    /// <summary>
    /// An ILGPU CPU simulator with groups of <paramref name="threadsPerWarp"/> x <paramref name="warpsPerGroup"/>
    /// threads (tests: groups above 2 threads exercise shared-memory tiles and barriers).
    /// </summary>
    public static ComputeDevice CreateSimulator(int threadsPerWarp, int warpsPerGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadsPerWarp, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(warpsPerGroup, 1);
        var context = Context.Create(b => b.CPU(new CPUDevice(threadsPerWarp, warpsPerGroup, 1)).EnableAlgorithms());
        return new ComputeDevice(new IlgpuBackend(context, context.CreateCPUAccelerator(0), DeviceKind.IlgpuCpu));
    }

    private static Context CreateGpuContext(DeviceKind kind) => kind == DeviceKind.Cuda
        ? Context.Create(b => b.Cuda().EnableAlgorithms())
        : Context.Create(b => b.OpenCL().EnableAlgorithms());

    private static List<Device> DevicesOf(Context context, DeviceKind kind)
    {
        var type = kind == DeviceKind.Cuda ? AcceleratorType.Cuda : AcceleratorType.OpenCL;
        return context.Devices.Where(d => d.AcceleratorType == type).ToList();
    }

    private static ComputeDevice? TryCreateGpu(DeviceKind kind)
    {
        Context? context = null;
        try
        {
            context = CreateGpuContext(kind);
            var devices = DevicesOf(context, kind);
            if (devices.Count == 0)
            {
                context.Dispose();
                return null;
            }
            var accelerator = devices[0].CreateAccelerator(context);
            return new ComputeDevice(new IlgpuBackend(context, accelerator, kind));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException or CudaException)
        {
            context?.Dispose();
            return null;
        }
    }

    /// <summary>Descriptions of every device this machine offers, for error messages and listings.</summary>
    public static IReadOnlyList<string> ListAvailable()
    {
        var found = new List<string>();
        foreach (var kind in new[] { DeviceKind.Cuda, DeviceKind.OpenCL })
        {
            try
            {
                using var context = CreateGpuContext(kind);
                var devices = DevicesOf(context, kind);
                found.AddRange(devices.Select(d => $"{IlgpuBackend.KindName(kind)} ({d.Name})"));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException or CudaException)
            {
                // That backend's driver is absent: nothing to list.
            }
        }
        found.Add($"cpu (native, {Environment.ProcessorCount} cores)");
        found.Add("ilgpu-cpu (ILGPU CPU simulator)");
        return found;
    }

    /// <summary>
    /// Edge of the ILGPU backends' linear-layer tile (groups of 16 x 16 threads); the backend picks
    /// its tiled kernels by comparing layer widths and the batch with it, so launch counts change only there.
    /// </summary>
    public const int LinearTileEdge = Kernels.TiledLinearKernels.MaxTile;

    /// <summary>Kernel launches on this device so far (0 on the native CPU path): divide a difference by steps for launches per step.</summary>
    public long KernelLaunches => Backend.Launches;

    /// <summary>Times the host waited for this device so far (synchronisations and device-to-host copies).</summary>
    public long HostSynchronizations => Backend.HostSyncs;

    /// <summary>Waits until every operation queued on this device has finished (a no-op on the CPU path).</summary>
    public void Synchronize() => Backend.Synchronize();

    /// <summary>Whether <see cref="Dispose"/> ran; networks refuse to run on a disposed device.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>The <see cref="Name"/> the device had, readable after it was disposed (for messages).</summary>
    internal string DisposedName { get; private set; } = "";

    /// <summary>Releases the backend (its buffers, and the accelerator when this device created it).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        DisposedName = Backend.Name;
        Backend.Dispose();
        _disposed = true;
    }

    /// <summary>The device name.</summary>
    public override string ToString() => Name;
}
