using HesScale.Gpu;

namespace HesScale.Tests.Engine;

/// <summary>One simulator and one native device for the whole test run (ILGPU compiles kernels per accelerator).</summary>
[TestClass]
public static class Devices
{
    private static ComputeDevice? _simulator;
    private static ComputeDevice? _native;
    private static ComputeDevice? _tiledSimulator;

    public static ComputeDevice Simulator => _simulator ??= ComputeDevice.Create(DeviceKind.IlgpuCpu);
    public static ComputeDevice Native => _native ??= ComputeDevice.Create(DeviceKind.Cpu);

    /// <summary>The simulator with groups of 4 x 4 threads: tile 4, so the tiled kernels run (shared by the conv tests).</summary>
    public static ComputeDevice TiledSimulator => _tiledSimulator ??= ComputeDevice.CreateSimulator(4, 4);

    public static ComputeDevice Get(DeviceKind kind) => kind switch
    {
        DeviceKind.IlgpuCpu => Simulator,
        DeviceKind.Cpu => Native,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [AssemblyCleanup]
    public static void Cleanup()
    {
        _simulator?.Dispose();
        _native?.Dispose();
        _tiledSimulator?.Dispose();
    }
}
