using System.Globalization;
using HesScale.Bench.Plotting;
using HesScale.Bench.Perf;
using HesScale.Bench.Sweeps;
using HesScale.Bench.Training;
using HesScale.Gpu;
using HesScale.Gpu.Files;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Performance;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale cost</c>: the paper's computational-cost experiment. Median milliseconds per step
/// (after warm-up) of each method on bias-free MSE networks built exactly as the official script
/// builds them (no activation after the first Linear); writes cost.csv and cost.png.
/// </summary>
public static class CostCommand
{
    public const string Usage =
        "usage: hesscale cost [--configs LIST|all] [--methods LIST|all] [--reps N] [--seconds S] [--sequential] [--floor] [--device D] [--threads T] [--out DIR] [--shard K/N]\n" +
        "  configs: paper-cost-L1, -L2, -L4, -L8, -L16 (batch 1), rl-small (batch 64), rl-mid (batch 256), wide (batch 1024),\n" +
        "           cnn-small (28x28x1, batch 1), cnn-small-128 (batch 128), 3c3d (32x32x3, batch 128)\n" +
        "           default: every paper-cost config, rl-small and rl-mid; 'all' adds wide and the conv configs\n" +
        "  methods: gradient, hesscale (forward + backward, no update), bl89, sgd, adam, adahesscale, adahesscale_gn (full steps)\n" +
        "           default: those; 'all' adds adahessian, adaggnmc (full steps), exact, ggn, kfac (estimates)\n" +
        "  --reps N      timed steps per point after warm-up (default 30; methods interleaved); --seconds S caps each point (default 2)\n" +
        "  --sequential  time each method alone (its network stays warm in cache) instead of round-robin\n" +
        "  --floor       also time a bare-traffic model of the batch-1 configs (read W twice, write dW; + write hW)\n" +
        "  --out DIR     where cost.csv and cost.png go (default results/cost)\n" +
        "  --shard K/N   only configs i with i % N == K, into DIR/shard-K-of-N.csv (resumable; default from a Slurm array task); then hesscale merge DIR";

    private const string Command = "cost";

    public static readonly string[] DefaultConfigs = ["paper-cost-L1", "paper-cost-L2", "paper-cost-L4", "paper-cost-L8", "paper-cost-L16", "rl-small", "rl-mid"];
    public static readonly string[] AllConfigs = [.. DefaultConfigs, "wide"];

    /// <summary>The conv networks (issue 10), in cost's 'all' but not in the MLP-only <c>launches</c>.</summary>
    public static readonly string[] ConvConfigs = ["cnn-small", "cnn-small-128", "3c3d"];
    public static readonly string[] DefaultMethods = ["gradient", "hesscale", "bl89", "sgd", "adam", "adahesscale", "adahesscale_gn"];
    public static readonly string[] AllMethods = [.. DefaultMethods, "adahessian", "adaggnmc", "exact", "ggn", "kfac"];

    /// <summary>A configuration: network and batch size.</summary>
    public static (NetworkSpec Spec, int Batch) Config(string id)
    {
        static LayerSpec Lin(int i, int o) => LayerSpec.Linear(i, o, bias: false);
        if (id.StartsWith("paper-cost-L", StringComparison.Ordinal)
            && int.TryParse(id["paper-cost-L".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int depth) && depth is >= 1 and <= 64)
        {
            // Linear(64, 512), L x [Linear(512, 512), Tanh], Linear(512, 100): as the official script.
            var layers = new List<LayerSpec> { Lin(64, 512) };
            for (int l = 0; l < depth; l++)
            {
                layers.Add(Lin(512, 512));
                layers.Add(LayerSpec.Tanh());
            }
            layers.Add(Lin(512, 100));
            return (new NetworkSpec(layers), 1);
        }
        return id switch
        {
            "rl-small" => (new NetworkSpec(Lin(17, 64), Lin(64, 64), LayerSpec.Tanh(), Lin(64, 6)), 64),
            "rl-mid" => (new NetworkSpec(Lin(64, 256), Lin(256, 256), LayerSpec.Tanh(), Lin(256, 18)), 256),
            "wide" => (new NetworkSpec(Lin(784, 1024), Lin(1024, 1024), LayerSpec.Tanh(), Lin(1024, 10)), 1024),
            "cnn-small" => (CnnSmall, 1),
            "cnn-small-128" => (CnnSmall, 128),
            "3c3d" => (ThreeC3D, 128),
            _ => throw new UsageException($"{Command}: unknown config '{id}' (known: {string.Join(", ", [.. AllConfigs, .. ConvConfigs])}, paper-cost-L<n>)."),
        };
    }

    /// <summary>cnn-small on 28x28x1, 10 classes (<see cref="Models.CnnSmall"/>).</summary>
    public static NetworkSpec CnnSmall => Models.CnnSmall(new TensorShape(1, 28, 28), 10);

    /// <summary>3C3D on 32x32x3, 10 classes (<see cref="Models.ThreeC3D"/>).</summary>
    public static NetworkSpec ThreeC3D => Models.ThreeC3D(new TensorShape(3, 32, 32), 10);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="sweepInput"/>: the configs, from <c>hesscale merge</c> (or a plan request from <c>hesscale slurm</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, SweepInput? sweepInput)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var o = CommandLine.Parse(args, Command, ["sequential", "floor"], "configs", "methods", "reps", "seconds", "device", "threads", "out", "shard");
            bool sequential = o.Has("sequential"), floor = o.Has("floor");
            var configs = List(o.Get("configs"), DefaultConfigs, [.. AllConfigs, .. ConvConfigs]);
            foreach (var c in configs) Config(c);
            var methods = List(o.Get("methods"), DefaultMethods, AllMethods);
            foreach (var m in methods)
                if (!AllMethods.Contains(m)) throw new UsageException($"{Command}: unknown method '{m}' (known: {string.Join(", ", AllMethods)}).");
            int reps = CommandLine.PositiveInteger(Command, "reps", o.Get("reps") ?? "30");
            double seconds = double.TryParse(o.Get("seconds") ?? "2", NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0
                ? s : throw new UsageException($"{Command}: --seconds expects a positive number.");
            string outDir = o.Get("out") ?? Path.Combine("results", "cost");

            using var device = ComputeDevice.FromEnvironment(o.Get("device"), o.Threads(Command, checkCores: sweepInput is null));
            stdout.WriteLine($"device: {device.Name}");
            var sweep = SweepCells.Open(Command, o, configs, outDir, sweepInput);
            var rows = new List<(string Device, string Config, int Params, int Batch, string Method, double Ms)>();
            foreach (var (cell, id) in configs.Index())
            {
                if (!sweep.Owns(cell)) continue;
                var (spec, batch) = Config(id);
                var measured = sweep.Finished(cell) is { } stored ? CostSweepCells.Parse(id, methods, stored) : null;
                if (measured is null)
                {
                    measured = Measure(device, spec, batch, methods, sequential, floor, reps, seconds);
                    sweep.Finish(cell, CostSweepCells.Rows(measured, methods));
                }
                int g = Array.IndexOf(methods, "gradient");
                for (int m = 0; m < methods.Length; m++)
                {
                    double ms = measured.MedianUs[m] / 1000;
                    rows.Add((measured.Device, id, spec.ParameterCount, batch, methods[m], ms));
                    string ratio = g >= 0 ? $"{measured.MedianUs[m] / measured.MedianUs[g],6:F2}x gradient" : "";
                    string launches = measured.Launches[m] > 0 ? $"  {measured.Launches[m]} launches, {measured.Syncs[m]} host waits per step" : "";
                    stdout.WriteLine($"{id,-15} {spec.ParameterCount,9} params  batch {batch,4}  {methods[m],-15} {ms,10:F3} ms/step  {ratio}{launches}");
                }
                if (measured.Floor is var (fg, fh))
                    stdout.WriteLine($"{id,-15} bare traffic model (plain loops): gradient {fg:F3} ms, + hW write {fh:F3} ms, ratio {fh / fg:F2}");
            }
            if (sweep.IsShard)
            {
                stdout.WriteLine(sweep.Report());
                return 0;
            }
            Directory.CreateDirectory(outDir);
            string csv = Path.Combine(outDir, "cost.csv");
            AtomicFile.WriteAllText(csv, "device,config,params,batch,method,ms_per_step\n" + string.Concat(rows.Select(r =>
                $"{Quote(r.Device)},{r.Config},{r.Params},{r.Batch},{r.Method},{r.Ms.ToString("G6", CultureInfo.InvariantCulture)}\n")));
            string png = Path.Combine(outDir, "cost.png");
            var series = methods.Select(m =>
            {
                var pts = rows.Where(r => r.Method == m && r.Config.StartsWith("paper-cost", StringComparison.Ordinal)).OrderBy(r => r.Params).ToArray();
                return new Series(m, pts.Select(p => (double)p.Params).ToArray(), pts.Select(p => p.Ms).ToArray());
            }).Where(x => x.X.Length > 0).ToList();
            if (series.Count > 0)
                Charts.Lines(png, $"Time per step, paper-cost networks, batch 1 ({string.Join(", ", rows.Select(r => r.Device).Distinct())})", "parameters", "ms per step", series, logX: true, logY: true);
            stdout.WriteLine($"wrote {csv}" + (series.Count > 0 ? $" and {png}" : ""));
            return 0;
        });
    }

    /// <summary>Times every method on one config (spec, batch) and, with <paramref name="floor"/> at batch 1, the bare-traffic model.</summary>
    private static CostCell Measure(ComputeDevice device, NetworkSpec spec, int batch, string[] methods, bool sequential, bool floor, int reps, double seconds)
    {
        // All methods of a config are timed round-robin, so that machine drift and JIT
        // tiering are shared by all of them rather than favouring the ones measured last.
        var steps = new List<MethodStep>();
        CostCell cell;
        try
        {
            foreach (var method in methods) steps.Add(MethodStep.Create(device, spec, batch, method));
            // 300 ms of warm-up per method: past the JIT's tier-up (tier-0 code of the hot
            // loops measured up to 2x slower at batch 1 with the old 50 ms).
            var budget = new TimingBudget(WarmupMs: 300, MinTimeMs: seconds * 1000, MinSamples: Math.Min(5, reps), MaxSamples: reps);
            // Round-robin (default): each method's step starts with the other networks' data in cache.
            // --sequential: each method alone, its own network warm in cache (as one training loop
            // runs, and as a libtorch loop over one model is timed).
            if (sequential)
            {
                // Shared code reaches the JIT's top tier before the first method is timed alone.
                var warm = System.Diagnostics.Stopwatch.StartNew();
                while (warm.Elapsed.TotalMilliseconds < budget.WarmupMs * steps.Count)
                    foreach (var st in steps) st.Run();
            }
            var times = sequential
                ? steps.Select(st => OperationTimer.Measure(st.Run, budget)).ToArray()
                : OperationTimer.MeasureInterleaved(steps.Select(st => st.Run).ToArray(), budget);
            // Launches and host waits of one more step of each method (0 on the native path).
            var perStep = steps.Select(st =>
            {
                long l0 = device.KernelLaunches, s0 = device.HostSynchronizations;
                st.Run();
                return (Launches: device.KernelLaunches - l0, Syncs: device.HostSynchronizations - s0);
            }).ToArray();
            cell = new CostCell(device.Name, times.Select(t => t.Median).ToArray(), perStep.Select(p => p.Launches).ToArray(), perStep.Select(p => p.Syncs).ToArray(), null);
        }
        finally
        {
            foreach (var st in steps) st.Dispose();
        }
        // After the networks are released, as before sharding: the floor loops time memory traffic alone.
        return floor && batch == 1 ? cell with { Floor = MemoryFloor.Measure(spec) } : cell;
    }

    /// <summary>Median milliseconds of one step of <paramref name="method"/>, after warm-up (at least 3 steps).</summary>
    public static double Measure(ComputeDevice device, NetworkSpec spec, int batch, string method, int reps, double seconds)
    {
        using var step = MethodStep.Create(device, spec, batch, method);
        var budget = new TimingBudget(WarmupMs: 50, MinTimeMs: seconds * 1000, MinSamples: Math.Min(5, reps), MaxSamples: reps);
        return OperationTimer.Measure(step.Run, budget).Median / 1000;
    }

    /// <summary>One method's step on its own network (and optimizer or estimator), ready to be timed.</summary>
    internal sealed class MethodStep : IDisposable
    {
        private readonly Network _net;
        private readonly CurvatureEstimator? _estimator;
        private readonly Optimizer? _optimizer;

        private MethodStep(Network net, CurvatureEstimator? estimator, Optimizer? optimizer)
        {
            _net = net;
            _estimator = estimator;
            _optimizer = optimizer;
        }

        public Action Run { get; private set; } = () => { };

        public static MethodStep Create(ComputeDevice device, NetworkSpec spec, int batch, string method)
        {
            var net = new Network(device, spec, seed: 1);
            CurvatureEstimator? estimator = null;
            Optimizer? optimizer = null;
            try
            {
                // A method of the table (fused: Backward; else an estimator pass) before an optimizer of the same name (bl89).
                var row = CurvatureMethod.TryParse(method, out var r) ? r : null;
                optimizer = row is null && Optimizer.Names.Contains(method) ? Optimizer.Create(method, net, new OptimizerSettings { LearningRate = 1e-5f }) : null;
                estimator = row is { IsFused: false } || optimizer?.RequiredEstimator is not null ? new CurvatureEstimator(net) : null;
                var rng = new Random(1);
                var x = Enumerable.Range(0, batch * spec.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                var t = Targets.FromValues(Enumerable.Range(0, batch * spec.OutputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
                var loss = LossSpec.Mse();
                var est = estimator;
                var opt = optimizer;
                void EstimatorStep()
                {
                    opt!.Step(est!.Estimate(x, batch, t, loss, opt.RequiredEstimator!, opt.Settings.Samples, opt.NextSeed));
                    device.Synchronize();
                }
                void OptimizerStep()
                {
                    opt!.Step(net.Backward(x, batch, t, loss, opt.RequiredCurvature));
                    device.Synchronize();
                }
                Action run = method switch
                {
                    "gradient" => () => net.Backward(x, batch, t, loss),
                    _ when row is { IsFused: true } => () => net.Backward(x, batch, t, loss, row),
                    _ when row is not null => () => est!.Estimate(x, batch, t, loss, row),
                    _ when opt?.RequiredEstimator is not null => EstimatorStep,
                    _ when opt is not null => OptimizerStep,
                    _ => throw new UsageException($"{Command}: unknown method '{method}'."),
                };
                return new MethodStep(net, estimator, optimizer) { Run = run };
            }
            catch
            {
                optimizer?.Dispose();
                estimator?.Dispose();
                net.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            _optimizer?.Dispose();
            _estimator?.Dispose();
            _net.Dispose();
        }
    }

    internal static string[] List(string? text, string[] defaults, string[] all) =>
        text is null ? defaults : text == "all" ? all : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
