using BenchmarkDotNet.Attributes;
using HesScale.Bench.Commands;
using HesScale.Gpu;

namespace HesScale.Bench.Benchmarks;

/// <summary>
/// Whole steps on the cost experiment's networks (issue 3): `gradient` / `hesscale` / `bl89` are
/// forward + backward; `sgd`, `adam`, `adahesscale`, `adahesscale_gn` are forward + backward +
/// update, each on its own network exactly as `hesscale cost` times them (CostCommand.MethodStep).
/// Devices: the comma-separated list in HESSCALE_BENCH_DEVICES (default "cpu"; e.g. "cpu,cuda").
/// Run: <c>hesscale bench --inProcess --filter '*StepBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    private ComputeDevice? _device;
    private CostCommand.MethodStep? _step;

    public static IEnumerable<string> Devices =>
        (Environment.GetEnvironmentVariable("HESSCALE_BENCH_DEVICES") ?? "cpu").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [Params("paper-cost-L1", "paper-cost-L4", "rl-small", "rl-mid")]
    public string Config { get; set; } = "paper-cost-L1";

    [Params("gradient", "hesscale", "bl89", "sgd", "adam", "adahesscale", "adahesscale_gn")]
    public string StepMethod { get; set; } = "gradient";

    [GlobalSetup]
    public void Setup()
    {
        _device = ComputeDevice.Create(Device);
        var (spec, batch) = CostCommand.Config(Config);
        _step = CostCommand.MethodStep.Create(_device, spec, batch, StepMethod);
    }

    [Benchmark]
    public void Step() => _step!.Run();

    [GlobalCleanup]
    public void Cleanup()
    {
        _step?.Dispose();
        _device?.Dispose();
    }
}
