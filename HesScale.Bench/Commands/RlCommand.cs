using System.Diagnostics;
using System.Globalization;
using HesScale.Bench.Plotting;
using HesScale.Bench.Reinforcement;
using HesScale.Bench.Reinforcement.Agents;
using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu;
using HesScale.Gpu.Files;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale rl --env E --algo A --optimizer O --lr X --steps N --seed S [--out DIR]</c>: trains one
/// actor-critic agent, shows progress (running mean return, env steps/s) on stderr, writes rl.csv (one
/// row per episode) and rl.png (learning curve) to the output folder, and reports how the wall time
/// split between physics (environment steps), inference (acting) and updates.
/// </summary>
public static class RlCommand
{
    public const string Usage =
        "usage: hesscale rl [--env cartpole] [--algo ppo] [--optimizer adahesscale] [--lr X] [--steps 100000] [--seed 0] [--out results/rl]\n" +
        "                   [--preset classic|official] [--variance exp|softplus] [--hessian-sign true|official]\n" +
        "                   [--envs E] [--rollout T] [--epochs K] [--minibatches M] [--gamma G] [--lambda L] [--hidden H]\n" +
        "                   [--delta D] [--eps E] [--value-optimizer O] [--value-lr X] [--target R] [--device D] [--threads T]\n" +
        "  --env        cartpole, acrobot, pendulum, mountaincar_continuous (and the MuJoCo tasks where built in)\n" +
        "  --algo       a2c or ppo\n" +
        "  --preset     official: the official HesScale RL setup for continuous control (PPO: CleanRL defaults, 1 env x 2048 steps,\n" +
        "               32 mini-batches, 10 epochs; A2C: 1 env, 5-step returns; exp variance head; docs/rl.md); classic: our\n" +
        "               classic-control settings. Default: classic for cartpole, acrobot, pendulum, mountaincar_continuous, else official\n" +
        "  --variance   the variance network's output transform: exp (official presets) or softplus (ours, classic presets)\n" +
        "  --hessian-sign  true (default): HesScale starts from the loss's own output-Hessian diagonal; official: the policy\n" +
        "               losses hand on the negated diagonal in mu and var, as the official code does\n" +
        "  --optimizer  adam, scaled_adam, adahesscale, scaled_adahesscale, adahesscale_gn, scaled_adahesscale_gn, adahessian, sgd, bl89;\n" +
        "               one instance per network (mean, variance, critic)\n" +
        "  --lr         learning rate (default per preset, environment and algorithm)\n" +
        "  --value-optimizer, --value-lr  optimizer and learning rate of the value network (default: as the policy's)\n" +
        "  --delta, --eps  step-size scaling bound and denominator epsilon (RL defaults 1e-8 and 1e-5, the official RL values)\n" +
        "  --target     report the first step where the mean of the last 100 returns reaches R\n" +
        "  --device     auto, cuda, opencl, cpu, ilgpu-cpu (default cpu: small networks)\n" +
        "  --threads    native-path threads (default 1, as the official runs; 0 = one per core)";

    private const string Command = "rl";

    internal static readonly string[] AgentOptions =
        ["env", "algo", "optimizer", "value-optimizer", "value-lr", "lr", "steps", "seed", "out", "envs", "rollout", "epochs", "minibatches", "gamma", "lambda", "hidden", "delta", "eps",
         "preset", "variance", "hessian-sign", "device", "threads"];

    /// <summary>The classic-control environments, whose default preset is "classic"; every other one defaults to "official".</summary>
    internal static readonly string[] ClassicEnvironments = ["cartpole", "acrobot", "pendulum", "mountaincar_continuous"];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command, [.. AgentOptions, "target"]);
            var settings = Settings(options, Command);
            long steps = Long(options, "steps", 100_000, Command);
            double? target = options.Get("target") is { } t ? Signed(t, "target", Command) : null;
            string outDir = options.Get("out") ?? Path.Combine("results", "rl");
            // One thread by default: the networks are tiny (thread hand-offs cost more than they save) and the official runs used torch_threads 1.
            using var device = ComputeDevice.FromEnvironment(options.Get("device") ?? "cpu", options.Get("threads") is null ? 1 : options.Threads(Command));
            stdout.WriteLine($"device: {device.Name}");
            stdout.WriteLine($"rl: {settings.Environment} {Name(settings.Algorithm)} {settings.Optimizer} lr {Format(settings.OptimizerSettings.LearningRate)} seed {settings.Seed}, {steps} steps, {settings.Environments} envs x {settings.RolloutSteps} steps per rollout");
            stdout.WriteLine(Describe(settings));

            var clock = Stopwatch.StartNew();
            var lastPrint = TimeSpan.Zero;
            var result = RlRun.Execute(settings, device, steps, agent =>
            {
                if (clock.Elapsed - lastPrint < TimeSpan.FromSeconds(2) && agent.EnvironmentSteps < steps) return;
                lastPrint = clock.Elapsed;
                double wall = Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  step {agent.EnvironmentSteps,8}/{steps}  episodes {agent.Episodes.Count,5}  mean return (last 100) {agent.MeanReturn(100),9:F2}  alpha {agent.LastPolicyScale:G3}  {agent.EnvironmentSteps / wall,7:F0} steps/s  {Split(agent.PhysicsTime, agent.InferenceTime, agent.UpdateTime, clock.Elapsed)}  {clock.Elapsed.TotalSeconds:F0} s"));
            });

            Directory.CreateDirectory(outDir);
            string csv = Path.Combine(outDir, "rl.csv");
            WriteCsv(csv, [result]);
            string png = Path.Combine(outDir, "rl.png");
            PlotCurve(png, result);
            if (result.Diverged) stdout.WriteLine($"diverged after {result.EnvironmentSteps} steps: {result.Failure}");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"episodes {result.Episodes.Count}, env steps {result.EnvironmentSteps}, mean return of the last 100 episodes {result.MeanOfLast(100):F2}, average return over the run (official score) {result.Score(steps):F2}, wall {result.Wall.TotalSeconds:F1} s"));
            if (result.Timing is { } timing)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"speed: {result.EnvironmentSteps / Math.Max(result.Wall.TotalSeconds, 1e-9):F0} env steps/s end to end; wall time: {Split(timing.Physics, timing.Inference, timing.Updates, result.Wall)}"));
            if (target is { } r)
            {
                long? at = result.FirstReached(r, 100);
                stdout.WriteLine(at is { } s
                    ? string.Create(CultureInfo.InvariantCulture, $"target {r}: reached (mean of 100 episodes) at env step {s}")
                    : string.Create(CultureInfo.InvariantCulture, $"target {r}: not reached within {result.EnvironmentSteps} steps"));
            }
            stdout.WriteLine($"wrote {csv} and {png}");
            return result.Diverged ? 3 : 0;
        });
    }

    /// <summary>"physics 41% (12.0 s), inference 20%, updates 37%, other 2%" of <paramref name="wall"/>.</summary>
    internal static string Split(TimeSpan physics, TimeSpan inference, TimeSpan updates, TimeSpan wall)
    {
        double w = Math.Max(wall.TotalSeconds, 1e-9), other = Math.Max(0, w - physics.TotalSeconds - inference.TotalSeconds - updates.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"physics {100 * physics.TotalSeconds / w:F0}% ({physics.TotalSeconds:F1} s), inference {100 * inference.TotalSeconds / w:F0}% ({inference.TotalSeconds:F1} s), updates {100 * updates.TotalSeconds / w:F0}% ({updates.TotalSeconds:F1} s), other {100 * other / w:F0}%");
    }

    /// <summary>One line naming the setup choices that differ between the presets.</summary>
    internal static string Describe(AgentSettings s) => string.Create(CultureInfo.InvariantCulture,
        $"setup: variance {s.Variance} ({s.VarianceHiddenLayers} hidden layer{(s.VarianceHiddenLayers == 1 ? "" : "s")}), hessian sign {s.HessianSign.ToString().ToLowerInvariant()}, init {s.Initialization}, " +
        $"{s.Epochs} epochs x {s.Minibatches} mini-batches, gamma {s.Gamma}, lambda {s.Lambda}, obs norm {(s.NormalizeObservations ? "on" : "off")}, reward scaling {(s.ScaleRewards ? "on" : "off")}" +
        $"{(s.RewardClip > 0 ? $" (clip {s.RewardClip})" : "")}, time-outs {(s.BootstrapTimeLimits ? "bootstrapped" : "terminal")}{(s.ClipActions ? ", actions clipped for the env" : "")}" +
        $"{(s.TimeFeature ? ", time feature" : "")}{(s.EndRolloutOnDone ? ", rollouts end with episodes" : "")}{(s.AverageOverActions ? ", losses averaged over action dims" : "")}" +
        $", eps {s.OptimizerSettings.Epsilon}, delta {s.OptimizerSettings.Delta}");

    /// <summary>Agent settings from the shared options (defaults per preset, environment and algorithm).</summary>
    internal static AgentSettings Settings(CommandLine options, string command, string? optimizerOverride = null, float? lrOverride = null, int? seedOverride = null,
        string? envOverride = null)
    {
        string env = envOverride ?? options.Get("env") ?? "cartpole";
        if (!EnvironmentRegistry.Ids.Contains(env))
            throw new UsageException($"{command}: unknown --env '{env}' (known: {string.Join(", ", EnvironmentRegistry.Ids)}).");
        var algo = (options.Get("algo") ?? "ppo") switch
        {
            "ppo" => RlAlgorithm.Ppo,
            "a2c" => RlAlgorithm.A2C,
            var a => throw new UsageException($"{command}: unknown --algo '{a}' (known: a2c, ppo)."),
        };
        string optimizer = optimizerOverride ?? options.Get("optimizer") ?? "adahesscale";
        if (!OptimizerFactory.Names.Contains(optimizer))
            throw new UsageException($"{command}: unknown --optimizer '{optimizer}' (known: {string.Join(", ", OptimizerFactory.Names)}).");
        string? valueOptimizer = options.Get("value-optimizer");
        if (valueOptimizer is not null && !OptimizerFactory.Names.Contains(valueOptimizer))
            throw new UsageException($"{command}: unknown --value-optimizer '{valueOptimizer}' (known: {string.Join(", ", OptimizerFactory.Names)}).");
        string preset = options.Get("preset") ?? (ClassicEnvironments.Contains(env) ? "classic" : "official");
        if (!AgentSettings.Presets.Contains(preset))
            throw new UsageException($"{command}: unknown --preset '{preset}' (known: {string.Join(", ", AgentSettings.Presets)}).");
        var d = AgentSettings.Preset(preset, env, algo);
        var presetVariance = d.VarianceTransform;
        d = d with
        {
            VarianceTransform = options.Get("variance") switch
            {
                null => d.VarianceTransform,
                "exp" => VarianceKind.Exp,
                "softplus" => VarianceKind.Softplus,
                var v => throw new UsageException($"{command}: unknown --variance '{v}' (known: exp, softplus)."),
            },
            HessianSign = options.Get("hessian-sign") is { } sign
                ? HessianSigns.Parse(sign) ?? throw new UsageException($"{command}: unknown --hessian-sign '{sign}' (known: true, official).")
                : d.HessianSign,
        };
        if ((options.Get("variance") is not null || d.HessianSign == HessianSign.Official) && EnvironmentRegistry.Create(env).DiscreteActions > 0)
            throw new UsageException($"{command}: --variance and --hessian-sign official apply to the Gaussian policy of continuous-action tasks; {env} has discrete actions.");
        // A transform other than the preset's brings its own floor: softplus(z) + 1e-3 (ours), max(e^z, 1e-6) (official A2C's).
        if (d.VarianceTransform != presetVariance) d = d with { MinVariance = d.VarianceTransform == VarianceKind.Softplus ? 1e-3f : 1e-6f };
        var opt = d.OptimizerSettings with
        {
            LearningRate = lrOverride ?? (options.Get("lr") is { } lr ? (float)Double(lr, "lr", command) : d.OptimizerSettings.LearningRate),
            Delta = options.Get("delta") is { } delta ? (float)Double(delta, "delta", command) : d.OptimizerSettings.Delta,
            Epsilon = options.Get("eps") is { } eps ? (float)Double(eps, "eps", command) : d.OptimizerSettings.Epsilon,
        };
        var settings = d with
        {
            Optimizer = optimizer,
            OptimizerSettings = opt,
            ValueOptimizer = valueOptimizer,
            ValueOptimizerSettings = options.Get("value-lr") is { } vlr ? opt with { LearningRate = (float)Double(vlr, "value-lr", command) } : null,
            Seed = seedOverride ?? (int)Long(options, "seed", 0, command),
            Environments = (int)Long(options, "envs", d.Environments, command),
            RolloutSteps = (int)Long(options, "rollout", d.RolloutSteps, command),
            Epochs = (int)Long(options, "epochs", d.Epochs, command),
            Minibatches = (int)Long(options, "minibatches", d.Minibatches, command),
            Gamma = options.Get("gamma") is { } g ? (float)Double(g, "gamma", command) : d.Gamma,
            Lambda = options.Get("lambda") is { } l ? (float)Double(l, "lambda", command) : d.Lambda,
            Hidden = (int)Long(options, "hidden", d.Hidden, command),
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"{command}: {UsageException.Plain(e)}");
        }
        return settings;
    }

    internal static long Long(CommandLine options, string name, long fallback, string command)
    {
        string? text = options.Get(name);
        if (text is null) return fallback;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) || v < 0 || v > int.MaxValue)
            throw new UsageException($"{command}: --{name} expects a non-negative integer, got '{text}'.");
        return v;
    }

    internal static double Double(string text, string name, string command)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v) || v <= 0)
            throw new UsageException($"{command}: --{name} expects a positive number, got '{text}'.");
        return v;
    }

    internal static double Signed(string text, string name, string command) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v
            : throw new UsageException($"{command}: --{name} expects a number, got '{text}'.");

    internal static string Name(RlAlgorithm a) => a == RlAlgorithm.Ppo ? "ppo" : "a2c";

    internal static string Format(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    /// <summary>rl.csv, written atomically: env,algo,optimizer,lr,seed,env_steps,episode_return (one row per finished episode).</summary>
    internal static void WriteCsv(string path, IEnumerable<RlRunResult> results)
    {
        using var w = new StringWriter(CultureInfo.InvariantCulture);
        w.WriteLine("env,algo,optimizer,lr,seed,env_steps,episode_return");
        foreach (var r in results)
        {
            var s = r.Settings;
            foreach (var e in r.Episodes)
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Environment},{Name(s.Algorithm)},{s.Optimizer},{Format(s.OptimizerSettings.LearningRate)},{s.Seed},{e.EnvironmentSteps},{e.Return:R}"));
        }
        AtomicFile.WriteAllText(path, w.ToString());
    }

    private static void PlotCurve(string path, RlRunResult result)
    {
        var eps = result.Episodes;
        if (eps.Count == 0) return;
        var x = eps.Select(e => (double)e.EnvironmentSteps).ToArray();
        var y = eps.Select(e => e.Return).ToArray();
        var mean = new double[y.Length];
        double sum = 0;
        for (int i = 0; i < y.Length; i++)
        {
            sum += y[i];
            if (i >= 100) sum -= y[i - 100];
            mean[i] = sum / Math.Min(i + 1, 100);
        }
        var s = result.Settings;
        Charts.Lines(path, $"{s.Environment} {Name(s.Algorithm)} {s.Optimizer} lr {Format(s.OptimizerSettings.LearningRate)} seed {s.Seed}",
            "environment steps", "episode return",
            [new Series("episode return", x, y), new Series("mean of last 100", x, mean)]);
    }
}
