using BenchmarkDotNet.Attributes;
using HesScale.Gpu;
using HesScale.Gpu.Performance;

namespace HesScale.Bench.Benchmarks;

/// <summary>
/// The native Linear backward operation as the engine runs it (packed-panel products) against the
/// fused sweep (FusedLinearBackward: one sweep over W for all channels), for a square layer with C
/// channels (gradient + C - 1 curvature). Batches from 4 up: below that the engine itself runs the
/// fused sweep.
/// Run: <c>hesscale bench --inProcess --filter '*LinearBackwardBenchmarks*'</c> (Release build; --inProcess because the
/// assembly is named hesscale, so BenchmarkDotNet finds no project of that name to generate a host from).
/// </summary>
public class LinearBackwardBenchmarks
{
    private ComputeDevice? _device;
    private LinearBackwardWorkload? _workload;

    [Params(128, 512)]
    public int Width { get; set; }

    [Params(4, 32)]
    public int Batch { get; set; }

    [Params(1, 2, 4)]
    public int Channels { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _device = ComputeDevice.Create(DeviceKind.Cpu);
        _workload = new LinearBackwardWorkload(_device, Batch, Width, Width, Channels);
    }

    [Benchmark(Baseline = true)]
    public void EnginePanelProducts() => _workload!.RunEngine();

    [Benchmark]
    public void FusedSweep() => _workload!.RunFused();

    [GlobalCleanup]
    public void Cleanup()
    {
        _workload?.Dispose();
        _device?.Dispose();
    }
}
