using BenchmarkDotNet.Attributes;
using HesScale.Gpu;

namespace HesScale.Bench.Benchmarks;

/// <summary>
/// Gradient-only backward against gradient + HesScale (fused) on the native CPU path, for the
/// paper's cost network 64 -> 512 x (L+1) tanh -> 100 at batch 1 (memory-bound: the floor is
/// about 1.33x, since HesScale writes one more weight-sized array).
/// Run: dotnet run -c Release --project HesScale.Bench -- bench --filter '*FusedBackward*'
/// </summary>
[MemoryDiagnoser]
public class FusedBackwardBenchmarks
{
    private ComputeDevice _device = null!;
    private Network _net = null!;
    private float[] _inputs = null!;
    private Targets _targets = null!;

    [Params(1, 4, 16)]
    public int L { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>64 -> 512, then L x (Linear(512, 512), Tanh) with a tanh after the first layer too, then 512 -> 100.</summary>
    public static NetworkSpec PaperNetwork(int hiddenLayers)
    {
        var layers = new List<LayerSpec> { LayerSpec.Linear(64, 512), LayerSpec.Tanh() };
        for (int l = 0; l < hiddenLayers; l++)
        {
            layers.Add(LayerSpec.Linear(512, 512));
            layers.Add(LayerSpec.Tanh());
        }
        layers.Add(LayerSpec.Linear(512, 100));
        return new NetworkSpec(layers);
    }

    [GlobalSetup]
    public void Setup()
    {
        _device = ComputeDevice.Create(DeviceKind.Cpu, Threads);
        _net = new Network(_device, PaperNetwork(L), seed: 1);
        var rng = new Random(1);
        _inputs = Enumerable.Range(0, 64).Select(_ => (float)rng.NextDouble()).ToArray();
        _targets = Targets.FromValues(Enumerable.Range(0, 100).Select(_ => (float)rng.NextDouble()).ToArray());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _net.Dispose();
        _device.Dispose();
    }

    [Benchmark(Baseline = true)]
    public float Gradient() => _net.Backward(_inputs, 1, _targets, LossSpec.Mse()).Loss;

    [Benchmark]
    public float GradientAndHesScale() => _net.Backward(_inputs, 1, _targets, LossSpec.Mse(), CurvatureMethod.HesScale).Loss;

    [Benchmark]
    public float GradientAndAllThree() => _net.Backward(_inputs, 1, _targets, LossSpec.Mse(), CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89).Loss;
}
