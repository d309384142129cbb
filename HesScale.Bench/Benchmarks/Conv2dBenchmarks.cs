using BenchmarkDotNet.Attributes;
using HesScale.Bench.Commands;
using HesScale.Gpu;

namespace HesScale.Bench.Benchmarks;

/// <summary>
/// Conv networks through the public API (issue 10): Network.Forward, Network.Backward for the gradient alone and
/// for gradient + HesScale, on the cost command's conv configs (cnn-small at batch 1 and 128, 3c3d at batch 128),
/// cross-entropy. Devices: the comma-separated list in HESSCALE_BENCH_DEVICES (default "cpu"; e.g. "cpu,cuda").
/// Run: <c>hesscale bench --inProcess --filter '*Conv2dBenchmarks*'</c> (add <c>--job Dry</c> to check that it runs).
/// </summary>
[MemoryDiagnoser]
public class Conv2dBenchmarks
{
    private ComputeDevice? _device;
    private Network? _network;
    private float[] _inputs = [];
    private Targets? _targets;
    private int _batch;

    public static IEnumerable<string> Devices =>
        (Environment.GetEnvironmentVariable("HESSCALE_BENCH_DEVICES") ?? "cpu").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [ParamsSource(nameof(Devices))]
    public string Device { get; set; } = "cpu";

    [Params("cnn-small", "cnn-small-128", "3c3d")]
    public string Config { get; set; } = "cnn-small";

    [GlobalSetup]
    public void Setup()
    {
        var (spec, batch) = CostCommand.Config(Config);
        _batch = batch;
        _device = ComputeDevice.Create(Device);
        _network = new Network(_device, spec, seed: 1);
        var rng = new Random(2);
        _inputs = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _targets = Targets.FromClasses(Enumerable.Range(0, batch).Select(_ => rng.Next(spec.OutputSize)).ToArray());
    }

    [Benchmark]
    public float Forward() => _network!.Forward(_inputs, _batch)[0];

    [Benchmark(Baseline = true)]
    public float Gradient() => _network!.Backward(_inputs, _batch, _targets!, LossSpec.CrossEntropy()).Loss;

    [Benchmark]
    public float GradientAndHesScale() => _network!.Backward(_inputs, _batch, _targets!, LossSpec.CrossEntropy(), CurvatureMethod.HesScale).Loss;

    [GlobalCleanup]
    public void Cleanup()
    {
        _network?.Dispose();
        _device?.Dispose();
    }
}
