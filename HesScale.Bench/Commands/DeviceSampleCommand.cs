using System.Globalization;
using HesScale.Bench.Samples;
using HesScale.Gpu;
using HesScale.Gpu.Data;
using HesScale.Gpu.Optimizers;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale device-sample</c>: runs <see cref="DeviceResidentTraining"/> on an accelerator this
/// command opens as an application would (its own Context and Accelerator), and prints how many
/// times the library waited for the device during training (0 expected), the loss curve read at
/// the end, and the test accuracy.
/// </summary>
public static class DeviceSampleCommand
{
    public const string Usage =
        "usage: hesscale device-sample [--device D] [--steps N] [--batch B] [--optimizer O] [--lr R]\n" +
        "  trains Linear(64,32)-Tanh-Linear(32,10) on the embedded digits data kept on the device:\n" +
        "  the data is uploaded once, every step runs on the device, the loss is read only at the end\n" +
        "  --device     cuda, opencl, ilgpu-cpu, or auto = cuda if present, else ilgpu-cpu (default: $HESSCALE_DEVICE, else auto)\n" +
        "  --steps      training steps (default 300)\n" +
        "  --batch      samples per step (default 32)\n" +
        "  --optimizer  an optimizer that steps from Network.Backward (default adahesscale)\n" +
        "  --lr         learning rate (default 0.01)";

    private const string Command = "device-sample";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var o = CommandLine.Parse(args, Command, "device", "steps", "batch", "optimizer", "lr");
            int steps = o.Positive(Command, "steps", 300);
            int batch = o.Positive(Command, "batch", 32);
            string optimizer = o.Get("optimizer") ?? "adahesscale";
            if (!Optimizer.Names.Contains(optimizer, StringComparer.Ordinal))
                throw new UsageException($"{Command}: unknown optimizer '{optimizer}' (known: {string.Join(", ", Optimizer.Names)}).");
            var settings = new OptimizerSettings { LearningRate = o.PositiveNumber(Command, "lr", 0.01f) };
            string deviceName = o.Get("device") ?? Environment.GetEnvironmentVariable(ComputeDevice.EnvironmentVariable) ?? "auto";
            var (train, test) = Digits.LoadStandardizedSplit();
            if (batch > train.Count)
                throw new UsageException($"{Command}: --batch {batch} is larger than the {train.Count} training samples.");

            using var context = OpenContext(deviceName, out var kind);
            using var accelerator = CreateAccelerator(context, kind);
            var report = DeviceResidentTraining.Run(accelerator, train, test, optimizer, settings, steps, batch);
            Print(report, optimizer, settings, steps, batch, stdout);
            return 0;
        });
    }

    private static void Print(DeviceTrainingReport r, string optimizer, OptimizerSettings settings, int steps, int batch, TextWriter o)
    {
        var c = CultureInfo.InvariantCulture;
        int window = Math.Min(10, steps);
        float Mean(IEnumerable<float> values) => values.Average();
        o.WriteLine($"device: the application's accelerator: {r.Accelerator}");
        o.WriteLine($"network: {DeviceResidentTraining.Spec}, {optimizer} (lr {settings.LearningRate.ToString(c)}), {steps} steps of batch {batch}");
        o.WriteLine($"training: {r.HostWaits} host waits, {r.Launches} kernel launches ({(r.Launches / (double)steps).ToString("F1", c)} per step)");
        o.WriteLine(string.Create(c, $"loss: first {window} steps {Mean(r.StepLosses.Take(window)):F4}, last {window} steps {Mean(r.StepLosses.TakeLast(window)):F4}, last step {r.LastLoss:F4}"));
        o.WriteLine(string.Create(c, $"test accuracy: {r.Correct / (double)r.TestCount:F3} ({r.Correct} of {r.TestCount})"));
    }

    /// <summary>A Context with the backend <paramref name="name"/> asks for, as an application would build it.</summary>
    private static Context OpenContext(string name, out DeviceKind kind)
    {
        if (!ComputeDevice.TryParseKind(name, out kind))
            throw new UsageException($"{Command}: unknown device '{name}' (expected auto, cuda, opencl or ilgpu-cpu).");
        switch (kind)
        {
            case DeviceKind.Cpu:
                throw new NotSupportedException("the native cpu device has no ILGPU accelerator to keep data on; use --device ilgpu-cpu (the simulator), cuda or opencl.");
            case DeviceKind.IlgpuCpu:
                // 2 threads per warp, 1 warp: the simulator's fastest setting (as ComputeDevice uses).
                return Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms());
            case DeviceKind.Cuda:
            case DeviceKind.OpenCL:
                return TryGpuContext(kind) ?? throw new DeviceNotFoundException(
                    $"No {name} device found. Devices found: {string.Join("; ", ComputeDevice.ListAvailable())}.");
            default:
                if (TryGpuContext(DeviceKind.Cuda) is { } cuda)
                {
                    kind = DeviceKind.Cuda;
                    return cuda;
                }
                kind = DeviceKind.IlgpuCpu;
                return Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms());
        }
    }

    /// <summary>A CUDA or OpenCL context with at least one device, or null when the driver or device is absent.</summary>
    private static Context? TryGpuContext(DeviceKind kind)
    {
        Context? context = null;
        try
        {
            context = kind == DeviceKind.Cuda ? Context.Create(b => b.Cuda().EnableAlgorithms()) : Context.Create(b => b.OpenCL().EnableAlgorithms());
            if (context.Devices.Any(d => d.AcceleratorType is AcceleratorType.Cuda or AcceleratorType.OpenCL)) return context;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or NotSupportedException or InvalidOperationException or CudaException)
        {
            // That backend's driver is absent.
        }
        context?.Dispose();
        return null;
    }

    private static Accelerator CreateAccelerator(Context context, DeviceKind kind) => kind switch
    {
        DeviceKind.IlgpuCpu => context.CreateCPUAccelerator(0),
        DeviceKind.Cuda => context.CreateCudaAccelerator(0),
        _ => context.CreateCLAccelerator(0),
    };
}
