using BenchmarkDotNet.Attributes;
using HesScale.Gpu;
using HesScale.Gpu.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace HesScale.Bench.Benchmarks;

/// <summary>
/// The conv2d operations (<see cref="Conv2dOps"/>) per backend on the image layers of the networks:
/// forward, and the backward of a gradient channel plus one HesScale channel (input and weight).
/// Layers: cnn-small's conv 5x5 16 on 1x28x28 ('same') and conv 3x3 32 on 16x14x14 ('same'), 3c3d's conv 5x5 64
/// on 3x32x32 (valid). Backends: native (one thread, the default tile family) and cuda when this machine has one
/// (the simulator is ~1000x slower, not a benchmark).
/// Run: <c>hesscale bench --inProcess --filter '*Conv2dBenchmarks*'</c> (Release build; --inProcess as for the others).
/// </summary>
public class Conv2dBenchmarks
{
    private Conv2dGeometry _g;
    private Conv2dOps.Native? _native;
    private float[] _x = [], _w = [], _b = [], _y = [], _bOut = [], _bIn = [], _dW = [], _db = [];
    private ComputeDevice? _device;
    private Conv2dOps.Ilgpu? _gpu;
    private MemoryBuffer1D<float, Stride1D.Dense>[] _views = [];

    [ParamsSource(nameof(Backends))]
    public string Backend { get; set; } = "native";

    [Params("cnn-small conv1", "cnn-small conv2", "3c3d conv1")]
    public string Layer { get; set; } = "cnn-small conv1";

    [Params(1, 128)]
    public int Batch { get; set; }

    /// <summary>native, and cuda where a CUDA device is present.</summary>
    public static IEnumerable<string> Backends() =>
        ComputeDevice.ListAvailable().Any(d => d.StartsWith("cuda", StringComparison.Ordinal)) ? ["native", "cuda"] : ["native"];

    [GlobalSetup]
    public void Setup()
    {
        _g = Layer switch
        {
            "cnn-small conv1" => new Conv2dGeometry((1, 28, 28), 1, 16, Window2d.Square(5, 1, 2)),
            "cnn-small conv2" => new Conv2dGeometry((16, 14, 14), 16, 32, Window2d.Square(3, 1, 1)),
            "3c3d conv1" => new Conv2dGeometry((3, 32, 32), 3, 64, Window2d.Square(5)),
            _ => throw new ArgumentException($"unknown layer '{Layer}'"),
        };
        var rng = new Random(1);
        float[] Rand(int length) => Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        int n = Batch;
        (_x, _w, _b, _y) = (Rand(n * _g.InSize), Rand(_g.WeightLength), Rand(_g.OutChannels), new float[n * _g.OutSize]);
        (_bOut, _bIn, _dW, _db) = (Rand(2 * n * _g.OutSize), new float[2 * n * _g.InSize], new float[2 * _g.WeightLength], new float[2 * _g.OutChannels]);
        if (Backend == "native")
        {
            _native = new Conv2dOps.Native(HesScale.Gpu.Native.Gemm.WideByDefault);
            return;
        }
        _device = ComputeDevice.Create(DeviceKind.Cuda);
        var accelerator = _device.Accelerator!;
        _gpu = new Conv2dOps.Ilgpu(accelerator);
        _views = [.. new[] { _x, _w, _b, _y, _bOut, _bIn, _dW, _db }.Select(a => accelerator.Allocate1D(a))];
    }

    [Benchmark(Baseline = true)]
    public void Forward()
    {
        if (_native is not null) _native.Forward(_g, _x, _w, _b, _y, Batch);
        else Sync(() => _gpu!.Forward(_g, V(0), V(1), V(2), V(3), Batch));
    }

    [Benchmark]
    public void BackwardInputTwoChannels()
    {
        if (_native is not null) _native.BackwardInput(_g, _bOut, _w, _bIn, Batch, 2, 1);
        else Sync(() => _gpu!.BackwardInput(_g, V(4), V(1), V(5), Batch, 2, 1));
    }

    [Benchmark]
    public void BackwardWeightTwoChannels()
    {
        if (_native is not null) _native.BackwardWeight(_g, _bOut, _x, _dW, _db, Batch, 2, 1);
        else Sync(() => _gpu!.BackwardWeight(_g, V(4), V(0), V(6), V(7), Batch, 2, 1));
    }

    private ArrayView<float> V(int i) => _views[i].View;

    private void Sync(Action launch)
    {
        launch();
        _device!.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var v in _views) v.Dispose();
        _gpu?.Dispose();
        _device?.Dispose();
    }
}
