using BenchmarkDotNet.Attributes;
using HesScale.Bench.Perf;
using HesScale.Gpu;

namespace HesScale.Bench.Benchmarks;

/// <summary>
/// Network.Backward (forward, loss, fused backward) per curvature set on the cost grid's MLP:
/// 64 -> 2 x (Linear(width), tanh) -> Linear(100), cross-entropy, batch 1.
/// Run: <c>hesscale bench --inProcess --filter '*BackwardBenchmarks*'</c> (Release build; --inProcess because the
/// assembly is named hesscale, so BenchmarkDotNet finds no project of that name to generate a host from).
/// </summary>
[MemoryDiagnoser]
public class BackwardBenchmarks
{
    private ComputeDevice? _device;
    private Network? _network;
    private float[] _inputs = [];
    private Targets? _targets;
    private CurvatureMethod[] _methods = [];

    [Params("cpu", "ilgpu-cpu")]
    public string Device { get; set; } = "cpu";

    [Params(64, 256)]
    public int Width { get; set; }

    [Params("gradient", "hesscale", "all")]
    public string Pass { get; set; } = "gradient";

    [GlobalSetup]
    public void Setup()
    {
        var settings = new CostSettings();
        var spec = settings.Network(Width, 2);
        _device = ComputeDevice.Create(Device);
        _network = new Network(_device, spec, seed: 1);
        (_inputs, _targets) = CostExperiment.Problem(spec, 1, 1);
        _methods = PassKind.Parse(Pass).Methods;
    }

    [Benchmark]
    public float Backward() => _network!.Backward(_inputs, 1, _targets!, LossSpec.CrossEntropy(), _methods).Loss;

    [GlobalCleanup]
    public void Cleanup()
    {
        _network?.Dispose();
        _device?.Dispose();
    }
}
