using System.Globalization;
using HesScale.Bench.Cases;
using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale selfcheck</c>: proves a device (typically CUDA on a lent GPU machine, where no test
/// runner exists) against the golden cases and against the native CPU path on random networks.
/// Every estimator kind, an Adam and an AdaHesScale step are compared; exit code 1 on any
/// relative error above the tolerance.
/// </summary>
public static class SelfCheckCommand
{
    public const string Usage =
        "usage: hesscale selfcheck [--device D] [--golden DIR] [--random N] [--conv-batch N] [--tolerance T] [--threads T]\n" +
        "  --golden DIR   folder of case-*.json with *.expected.json beside them (default HesScale.Tests/Golden when present)\n" +
        "  --random N     random networks compared with the native CPU path (default 20)\n" +
        "  --conv-batch N also cnn-small (28x28x1) at batch N: gradient, hesscale, hesscale_gn, bl89 against the native path\n" +
        "                 (on a GPU its conv products take the tiled conv kernels; default 0, none)\n" +
        "  --tolerance T  largest relative error ||ours - expected|| / ||expected|| per tensor (default 1e-4)";

    private const string Command = "selfcheck";


    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var o = CommandLine.Parse(args, Command, "device", "golden", "random", "conv-batch", "tolerance", "threads");
            string? golden = o.Get("golden") ?? (Directory.Exists(Path.Combine("HesScale.Tests", "Golden")) ? Path.Combine("HesScale.Tests", "Golden") : null);
            int random = int.TryParse(o.Get("random") ?? "20", NumberStyles.None, CultureInfo.InvariantCulture, out int r) ? r
                : throw new UsageException($"{Command}: --random expects a non-negative integer.");
            int convBatch = o.Get("conv-batch") is { } cb ? (int.TryParse(cb, NumberStyles.None, CultureInfo.InvariantCulture, out int cbv) ? cbv
                : throw new UsageException($"{Command}: --conv-batch expects a non-negative integer.")) : 0;
            double tolerance = double.TryParse(o.Get("tolerance") ?? "1e-4", NumberStyles.Float, CultureInfo.InvariantCulture, out double t) && t > 0
                ? t : throw new UsageException($"{Command}: --tolerance expects a positive number.");
            using var device = ComputeDevice.FromEnvironment(o.Get("device"), o.Threads(Command));
            using var native = ComputeDevice.Create(DeviceKind.Cpu, o.Threads(Command));
            stdout.WriteLine($"device: {device.Name}");
            stdout.WriteLine($"against: golden cases ({golden ?? "none"}) and {native.Name}; tolerance {tolerance:G3}");
            var worst = new SortedDictionary<string, double>(StringComparer.Ordinal);
            void Record(string what, double err) => worst[what] = Math.Max(worst.GetValueOrDefault(what), err);

            var notCompared = new SortedDictionary<string, List<string>>(StringComparer.Ordinal); // method -> cases without its expected array
            if (golden is not null)
            {
                foreach (var path in Directory.GetFiles(golden, "case-*.json").Where(p => !p.EndsWith(".expected.json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
                {
                    var c = CaseFile.Load(path);
                    var expected = ExpectedFile.Load(Path.ChangeExtension(path, null) + ".expected.json");
                    using var net = new Network(device, c.Spec, c.ParametersAsFloat());
                    using var estimator = new CurvatureEstimator(net);
                    var x = c.InputsAsFloat();
                    var targets = c.ToTargets();
                    foreach (var kind in CurvatureMethod.All.Where(m => m.InCaseFiles))
                    {
                        var e = estimator.Estimate(x, c.Batch, targets, c.Loss, kind);
                        foreach (var p in c.Spec.Parameters)
                        {
                            var ep = expected.Parameters[p.Index];
                            Record("golden gradient", Relative(e.Gradient(p.Index), ep.Get("gradient")!));
                            // Files without a bl89 array: BL89 equals HesScale only where the output Hessian is already diagonal (not cross-entropy).
                            var want = ep.Get(kind.Id) ?? (kind == CurvatureMethod.BL89 && c.Loss.Kind != LossKind.CrossEntropy ? ep.Get("hesscale") : null);
                            if (want is not null) Record("golden " + kind.Id, Relative(e.Diagonal(p.Index), want));
                            else if (p.Index == 0)
                            {
                                if (!notCompared.TryGetValue(kind.Id, out var cases)) notCompared[kind.Id] = cases = [];
                                cases.Add(Path.GetFileName(path));
                            }
                        }
                        Record("golden loss", Math.Abs(e.Loss - expected.Loss) / Math.Max(1e-12, Math.Abs(expected.Loss)));
                    }
                }
            }

            var rng = new Random(12345);
            for (int i = 0; i < random; i++)
            {
                var (spec, batch, loss, parameters, x, targets) = RandomProblem(rng);
                using var a = new Network(device, spec, parameters);
                using var b = new Network(native, spec, parameters);
                using var ea = new CurvatureEstimator(a);
                using var eb = new CurvatureEstimator(b);
                bool small = spec.ParameterCount <= 20000;
                foreach (var kind in CurvatureMethod.All)
                {
                    if (!small && kind == CurvatureMethod.Exact) continue;
                    var ra = ea.Estimate(x, batch, targets, loss, kind, samples: 3, seed: 7);
                    var rb = eb.Estimate(x, batch, targets, loss, kind, samples: 3, seed: 7);
                    foreach (var p in spec.Parameters)
                        Record("random " + kind.Id, Relative(ra.Diagonal(p.Index), ToDouble(rb.Diagonal(p.Index))));
                }
                // One optimizer step from identical parameters, compared by its update theta' - theta.
                // AdaHesScale divides by |h|, which amplifies rounding wherever h is tiny after
                // cancellation, so the optimizer kernels are compared on a well-conditioned problem:
                // the first Linear layer alone under MSE, whose HesScale diagonal is exact and positive.
                var linear = new NetworkSpec(LayerSpec.Linear(spec.InputSize, 1 + 2 * rng.Next(64)));
                var linearParams = linear.InitialParameters(i);
                var linearTargets = Targets.FromValues(Enumerable.Range(0, batch * linear.OutputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
                foreach (var name in new[] { "sgd", "adam", "adahesscale", "adahesscale_gn", "scaled_adam", "scaled_adahesscale" })
                {
                    using var la = new Network(device, linear, linearParams);
                    using var lb = new Network(native, linear, linearParams);
                    using var oa = Optimizer.Create(name, la, new OptimizerSettings { LearningRate = 1e-3f, Momentum = name == "sgd" ? 0.9f : 0f });
                    using var ob = Optimizer.Create(name, lb, new OptimizerSettings { LearningRate = 1e-3f, Momentum = name == "sgd" ? 0.9f : 0f });
                    for (int step = 0; step < 2; step++)
                    {
                        oa.Step(la.Backward(x, batch, linearTargets, LossSpec.Mse(), oa.RequiredCurvature));
                        ob.Step(lb.Backward(x, batch, linearTargets, LossSpec.Mse(), ob.RequiredCurvature));
                    }
                    foreach (var p in linear.Parameters)
                    {
                        float[] da = la.GetParameter(p.Index), db = lb.GetParameter(p.Index);
                        for (int j = 0; j < da.Length; j++)
                        {
                            da[j] -= linearParams[p.Index][j];
                            db[j] -= linearParams[p.Index][j];
                        }
                        Record($"random {name} update", Relative(da, ToDouble(db)));
                    }
                }
            }

            if (convBatch > 0) ConvCheck(device, native, convBatch, Record);

            bool ok = true;
            foreach (var (what, err) in worst)
            {
                bool pass = err <= tolerance;
                ok &= pass;
                stdout.WriteLine($"{what,-28} max relative error {err,10:E2}  {(pass ? "ok" : "FAIL")}");
            }
            foreach (var (method, cases) in notCompared)
                stdout.WriteLine($"golden {method,-21} not compared in {cases.Count} case(s) without an expected array (e.g. {cases[0]})");
            stdout.WriteLine(ok ? "selfcheck: all within tolerance" : "selfcheck: FAILED");
            return ok ? 0 : 1;
        });
    }

    /// <summary>A random problem with odd widths up to 257, batch up to 65, any activation and loss.</summary>
    private static (NetworkSpec, int, LossSpec, float[][], float[], Targets) RandomProblem(Random rng)
    {
        LayerKind[] acts = [LayerKind.Tanh, LayerKind.Sigmoid, LayerKind.ReLU, LayerKind.LeakyReLU, LayerKind.ELU, LayerKind.SELU, LayerKind.Softplus, LayerKind.Identity];
        int Width() => 1 + 2 * rng.Next(129);
        var loss = new LossSpec(rng.Next(2) == 0 ? LossKind.MeanSquaredError : LossKind.CrossEntropy, rng.Next(2) == 0 ? Reduction.Mean : Reduction.Sum);
        var act = acts[rng.Next(acts.Length)];
        var layers = new List<LayerSpec>();
        int width = Width(), inW = width;
        for (int l = rng.Next(4); l > 0; l--)
        {
            int next = Width();
            layers.Add(LayerSpec.Linear(width, next, rng.Next(4) != 0));
            layers.Add(LayerSpec.Activation(act));
            width = next;
        }
        int outW = loss.Kind == LossKind.CrossEntropy ? 2 + rng.Next(30) : Width();
        layers.Add(LayerSpec.Linear(width, outW, rng.Next(4) != 0));
        var spec = new NetworkSpec(layers);
        var parameters = spec.InitialParameters(rng.Next());
        int batch = 1 + rng.Next(65);
        var x = Enumerable.Range(0, batch * inW).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var targets = loss.Kind == LossKind.CrossEntropy
            ? Targets.FromClasses(Enumerable.Range(0, batch).Select(_ => rng.Next(outW)).ToArray())
            : Targets.FromValues(Enumerable.Range(0, batch * outW).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
        return (spec, batch, loss, parameters, x, targets);
    }

    /// <summary>
    /// cnn-small's backward pass with every fused method on <paramref name="device"/> against <paramref name="native"/>:
    /// the one check of the conv kernels at a real network's sizes (from batch 1 each conv product fills a 16 x 16 tile).
    /// </summary>
    private static void ConvCheck(ComputeDevice device, ComputeDevice native, int batch, Action<string, double> record)
    {
        var spec = CostCommand.CnnSmall;
        var parameters = spec.InitialParameters(11);
        var rng = new Random(13);
        var x = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)rng.NextDouble()).ToArray();
        var targets = Targets.FromClasses(Enumerable.Range(0, batch).Select(_ => rng.Next(spec.OutputSize)).ToArray());
        CurvatureMethod[] fused = [CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN, CurvatureMethod.BL89];
        using var a = new Network(device, spec, parameters);
        using var b = new Network(native, spec, parameters);
        var ra = a.Backward(x, batch, targets, LossSpec.CrossEntropy(), fused);
        var rb = b.Backward(x, batch, targets, LossSpec.CrossEntropy(), fused);
        foreach (var p in spec.Parameters)
        {
            record("cnn-small gradient", Relative(ra.Gradient(p.Index), ToDouble(rb.Gradient(p.Index))));
            foreach (var method in fused) record("cnn-small " + method.Id, Relative(ra.Curvature(method, p.Index), ToDouble(rb.Curvature(method, p.Index))));
        }
    }

    private static double[] ToDouble(float[] values) => values.Select(v => (double)v).ToArray();

    private static double Relative(float[] ours, double[] expected)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            diff += (ours[i] - expected[i]) * (ours[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        if (norm == 0) return Math.Sqrt(diff) <= 1e-6 ? 0 : double.PositiveInfinity;
        return Math.Sqrt(diff) / Math.Sqrt(norm);
    }
}
