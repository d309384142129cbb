// libtorch-ab: libtorch's autograd gradient step and HesScale.Gpu's passes timed in ONE process, one
// thread, so that machine load hits all of them. Two kinds of config:
// - paper-cost-L<n> (or just n): Linear(64, 512), L x [Linear(512, 512), Tanh], Linear(512, 100), no
//   biases, MSE, batch 1; with the bare-traffic model of `hesscale cost --floor` (with and without the
//   hW write: read every W, then per layer from the top read W and write dW).
// - cnn-small, cnn-small-128, 3c3d (issue 10): `hesscale cost`'s conv networks (CostCommand.Config, the
//   same spec), rebuilt in TorchSharp layer by layer (Conv2d / MaxPool2d / Flatten / Linear / ReLU with
//   PyTorch semantics), cross-entropy (mean) over random class labels on both sides.
// Each round times, one after the other, a block of steps of: libtorch gradient (zero_grad + forward +
// loss + backward, as ../shared/tools/libtorch-anchor), our gradient pass, our gradient + HesScale
// pass (and the traffic model for the MLPs). A block's median drops its first `skip` steps (the switch
// left the other method's data in cache); ratios are taken per round, and the medians and quartiles
// over rounds are printed as CSV.
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using HesScale.Bench.Commands;
using HesScale.Gpu.Devices;
using HesScale.Gpu.Engine;
using HesScale.Gpu.Model;
using HesScale.Gpu.Curvature;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
const string Usage = "usage: libtorch-ab [--configs 1,2,4,8,16,cnn-small,cnn-small-128,3c3d] [--rounds 12] [--block 16] [--skip 3] [--cold]";
string[] configs = ["1", "2", "4", "8", "16"];
int rounds = 12, block = 16, skip = 3;
bool cold = false;
try
{
    for (int a = 0; a < args.Length; a++)
    {
        string Value() => a + 1 < args.Length ? args[++a] : throw new FormatException($"{args[a]} needs a value");
        int Positive(string v) => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int x) && x > 0 ? x
            : throw new FormatException($"'{v}' is not a positive integer");
        switch (args[a])
        {
            case "--configs": configs = Value().Split(','); break;
            case "--rounds": rounds = Positive(Value()); break;
            case "--block": block = Positive(Value()); break;
            case "--skip": skip = int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int k) ? k : throw new FormatException("--skip needs a count"); break;
            case "--cold": cold = true; break;
            default: throw new FormatException($"unknown option '{args[a]}'");
        }
    }
    if (skip >= block) throw new FormatException($"--skip {skip} leaves no step of a block of {block}");
    foreach (var c in configs)
        if (!Depth(c, out _) && !CostCommand.ConvConfigs.Contains(c))
            throw new FormatException($"unknown config '{c}' (known: paper-cost-L<n> or n, {string.Join(", ", CostCommand.ConvConfigs)})");
}
catch (FormatException e)
{
    Console.Error.WriteLine($"libtorch-ab: {e.Message}\n{Usage}");
    return 1;
}

// As the anchor: keep libtorch's freed 1-4 MB temporaries in the heap (glibc would unmap them and
// page-fault them back every step).
if (OperatingSystem.IsLinux())
{
    Libc.mallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20);
    Libc.mallopt(-1 /* M_TRIM_THRESHOLD */, 1 << 30);
}
torch.set_num_threads(1);
torch.manual_seed(0);
using var device = ComputeDevice.Create(DeviceKind.Cpu, threads: 1);
// --cold: 64 MB written before every timed step (not timed), so that each step starts from DRAM,
// as in `hesscale cost`'s default round-robin order where six other networks ran in between.
var evict = new float[cold ? 16 << 20 : 0];
Console.WriteLine($"# {device.Name}; libtorch {torch.get_num_threads()} thread; {rounds} rounds x {block} steps (first {skip} dropped){(cold ? "; cold caches" : "")}");
Console.WriteLine("config,batch,torch_grad_ms,grad_ms,hess_ms,grad_over_torch,q1,q3,hess_over_torch,q1,q3,hess_over_grad,q1,q3,floor_grad_ms,floor_hess_ms,grad_over_floor,hess_over_floor,torch_over_floor");
foreach (string config in configs)
{
    if (Depth(config, out int depth)) PaperCost(depth);
    else Conv(config);
}
return 0;

// The MLP of the paper's cost experiment, MSE, batch 1, with the traffic model.
void PaperCost(int depth)
{
    using var scope = torch.NewDisposeScope();
    var modules = new List<(string, nn.Module<Tensor, Tensor>)> { ("l0", nn.Linear(64, 512, hasBias: false)) };
    var layers = new List<LayerSpec> { LayerSpec.Linear(64, 512, bias: false) };
    for (int i = 0; i < depth; i++)
    {
        modules.Add(($"l{2 * i + 1}", nn.Linear(512, 512, hasBias: false)));
        modules.Add(($"t{2 * i + 2}", nn.Tanh()));
        layers.Add(LayerSpec.Linear(512, 512, bias: false));
        layers.Add(LayerSpec.Tanh());
    }
    modules.Add(("out", nn.Linear(512, 100, hasBias: false)));
    layers.Add(LayerSpec.Linear(512, 100, bias: false));
    var model = nn.Sequential(modules);
    var tx = torch.randn(1, 64);
    var ty = torch.randn(1, 100);
    void TorchGradient()
    {
        using var s = torch.NewDisposeScope();
        model.zero_grad();
        F.mse_loss(model.call(tx), ty, nn.Reduction.Mean).backward();
    }

    var spec = new NetworkSpec(layers);
    using var gradientNet = new Network(device, spec, seed: 1);
    using var hesscaleNet = new Network(device, spec, seed: 1);
    var rng = new Random(1);
    var x = Enumerable.Range(0, 64).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    var targets = Targets.FromValues(Enumerable.Range(0, 100).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
    var mse = LossSpec.Mse();
    var floor = new TrafficModel(layers.Where(l => l.Kind == LayerKind.Linear).Select(l => (l.Out, l.In)).ToArray());
    var medians = Time(
    [
        TorchGradient,
        () => gradientNet.Backward(x, 1, targets, mse),
        () => hesscaleNet.Backward(x, 1, targets, mse, CurvatureMethod.HesScale),
        () => floor.Pass(hesscale: false),
        () => floor.Pass(hesscale: true),
    ]);
    Report($"paper-cost-L{depth}", 1, medians);
    floor.Keep();
}

// A conv config of `hesscale cost`: the same spec in TorchSharp, cross-entropy (mean) over random labels.
void Conv(string config)
{
    using var scope = torch.NewDisposeScope();
    var (spec, batch) = CostCommand.Config(config);
    var model = TorchModel(spec);
    var rng = new Random(1);
    var x = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    var labels = Enumerable.Range(0, batch).Select(_ => rng.Next(spec.OutputSize)).ToArray();
    var shape = spec.InputShape;
    var tx = torch.tensor(x, [batch, shape.Channels, shape.Height, shape.Width]);
    var ty = torch.tensor(labels.Select(l => (long)l).ToArray(), [batch]);
    void TorchGradient()
    {
        using var s = torch.NewDisposeScope();
        model.zero_grad();
        F.cross_entropy(model.call(tx), ty, reduction: nn.Reduction.Mean).backward();
    }

    using var gradientNet = new Network(device, spec, seed: 1);
    using var hesscaleNet = new Network(device, spec, seed: 1);
    var targets = Targets.FromClasses(labels);
    var ce = LossSpec.CrossEntropy();
    var medians = Time(
    [
        TorchGradient,
        () => gradientNet.Backward(x, batch, targets, ce),
        () => hesscaleNet.Backward(x, batch, targets, ce, CurvatureMethod.HesScale),
    ]);
    Report(config, batch, medians);
}

// medians[method][round]: after a warm-up past the JIT's tier-up, `rounds` rounds of one block per method.
double[][] Time(Action[] steps)
{
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 1500)
        foreach (var step in steps)
            for (int i = 0; i < 5; i++) step();
    var medians = steps.Select(_ => new double[rounds]).ToArray();
    var times = new double[block];
    for (int r = 0; r < rounds; r++)
    {
        for (int m = 0; m < steps.Length; m++)
        {
            for (int i = 0; i < block; i++)
            {
                if (cold) Array.Fill(evict, i);
                long t0 = Stopwatch.GetTimestamp();
                steps[m]();
                times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            medians[m][r] = Stats.Quantile(times[skip..], 0.5);
        }
    }
    return medians;
}

// One CSV row: medians over rounds of the step times and of the per-round ratios (with quartiles).
void Report(string config, int batch, double[][] medians)
{
    double[] Ratio(int a, int b) => medians[a].Zip(medians[b], (p, q) => p / q).ToArray();
    double Med(double[] v) => Stats.Quantile(v, 0.5);
    string Spread(double[] v) => $"{Med(v):F3},{Stats.Quantile(v, 0.25):F3},{Stats.Quantile(v, 0.75):F3}";
    string floor = medians.Length > 3
        ? $"{Med(medians[3]):F4},{Med(medians[4]):F4},{Med(Ratio(1, 3)):F3},{Med(Ratio(2, 4)):F3},{Med(Ratio(0, 3)):F3}"
        : ",,,,";
    Console.WriteLine($"{config},{batch},{Med(medians[0]):F4},{Med(medians[1]):F4},{Med(medians[2]):F4},{Spread(Ratio(1, 0))},{Spread(Ratio(2, 0))},{Spread(Ratio(2, 1))},{floor}");
}

static bool Depth(string config, out int depth)
{
    string d = config.StartsWith("paper-cost-L", StringComparison.Ordinal) ? config["paper-cost-L".Length..] : config;
    return int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out depth) && depth is >= 1 and <= 64;
}

// The layers of spec as a TorchSharp Sequential (PyTorch's own Conv2d, MaxPool2d, AvgPool2d, Flatten, Linear, activations).
static nn.Module<Tensor, Tensor> TorchModel(NetworkSpec spec)
{
    var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
    foreach (var (i, l) in spec.Layers.Index())
    {
        nn.Module<Tensor, Tensor> m = l.Kind switch
        {
            LayerKind.Conv2d => nn.Conv2d(l.In, l.Out, (l.KernelH, l.KernelW), stride: (l.StrideH, l.StrideW), padding: (l.PadH, l.PadW), bias: l.Bias),
            LayerKind.MaxPool2d => nn.MaxPool2d((l.KernelH, l.KernelW), (l.StrideH, l.StrideW), (l.PadH, l.PadW)),
            LayerKind.AvgPool2d => nn.AvgPool2d((l.KernelH, l.KernelW), (l.StrideH, l.StrideW), (l.PadH, l.PadW)),
            LayerKind.Flatten => nn.Flatten(),
            LayerKind.Linear => nn.Linear(l.In, l.Out, hasBias: l.Bias),
            LayerKind.ReLU => nn.ReLU(),
            LayerKind.Tanh => nn.Tanh(),
            _ => throw new NotSupportedException($"layer {i}: {l} has no TorchSharp twin here"),
        };
        modules.Add(($"l{i}", m));
    }
    return nn.Sequential(modules);
}

/// <summary>The bare-traffic model of HesScale.Bench/Perf/MemoryFloor.cs, backward from the top layer. Shapes (out, in).</summary>
internal sealed class TrafficModel((int Out, int In)[] shapes)
{
    private readonly float[][] _w = shapes.Select(s => Enumerable.Repeat(0.5f, s.Out * s.In).ToArray()).ToArray();
    private readonly float[][] _dW = shapes.Select(s => new float[s.Out * s.In]).ToArray();
    private readonly float[][] _hW = shapes.Select(s => new float[s.Out * s.In]).ToArray();
    private readonly float[] _h = Enumerable.Repeat(0.25f, shapes.Max(s => s.In)).ToArray();
    private float _sink;

    public void Pass(bool hesscale)
    {
        for (int l = 0; l < _w.Length; l++) _sink += Read(_w[l]);
        for (int l = _w.Length - 1; l >= 0; l--)
        {
            _sink += Read(_w[l]);
            WriteRows(_dW[l], shapes[l].In);
            if (hesscale) WriteRows(_hW[l], shapes[l].In);
        }
    }

    public void Keep() => GC.KeepAlive(_sink);

    private static float Read(float[] a)
    {
        var acc = Vector<float>.Zero;
        foreach (var v in MemoryMarshal.Cast<float, Vector<float>>(a)) acc += v;
        for (int i = a.Length / Vector<float>.Count * Vector<float>.Count; i < a.Length; i++) acc += new Vector<float>(a[i]);
        return acc[0];
    }

    // Row o of dst = 0.5 h (one row of an outer product at batch 1).
    private void WriteRows(float[] dst, int inW)
    {
        var half = new Vector<float>(0.5f);
        int width = Vector<float>.Count;
        for (int row = 0; row < dst.Length / inW; row++)
        {
            var d = dst.AsSpan(row * inW, inW);
            int i = 0;
            for (; i <= inW - width; i += width) (half * new Vector<float>(_h.AsSpan(i))).CopyTo(d[i..]);
            for (; i < inW; i++) d[i] = 0.5f * _h[i];
        }
    }
}

internal static class Stats
{
    /// <summary>Linear-interpolated quantile q of v.</summary>
    public static double Quantile(double[] v, double q)
    {
        var s = v.Order().ToArray();
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}

internal static class Libc
{
    [DllImport("libc", EntryPoint = "mallopt")]
    public static extern int mallopt(int param, int value);
}
