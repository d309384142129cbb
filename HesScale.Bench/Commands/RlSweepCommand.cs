using System.Collections.Concurrent;
using System.Globalization;
using HesScale.Bench.Plotting;
using HesScale.Bench.Reinforcement;
using HesScale.Bench.Reinforcement.Agents;
using HesScale.Bench.Sweeps;
using HesScale.Gpu;
using HesScale.Gpu.Files;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale rl-sweep</c>: the step-size robustness study. For each environment, optimizer and step size
/// (the official grid of 9 by default), several seeds are trained; each run's score is the official
/// "return averaged over the entire period" (<see cref="SweepAnalysis.BinnedScore"/>). Writes rl_sweep.csv
/// (one row per run), rl_sweep_episodes.csv (every episode), rl_sweep_summary.csv (one row per cell),
/// rl_sweep.png (robustness: min-max normalised score against step size, a panel per environment) and
/// rl_sweep_curves.png (learning curves at each optimizer's best step size); diverged runs are recorded, never fatal.
/// </summary>
public static class RlSweepCommand
{
    public const string Usage =
        "usage: hesscale rl-sweep [--env cartpole[,pendulum,...]] [--algo ppo] [--optimizers adam,scaled_adam,adahesscale,scaled_adahesscale|all]\n" +
        "                         [--lrs official|X,Y,...] [--lr-min 1e-5 --lr-max 1 --lr-count 6] [--seeds 2|0,4,7|3..5] [--steps 15000]\n" +
        "                         [--parallel P] [--out results/rl] [--preset classic|official] [--variance exp|softplus] [--hessian-sign true|official]\n" +
        "                         [--envs E] [--rollout T] [--epochs K] [--minibatches M] [--gamma G] [--lambda L] [--hidden H] [--delta D] [--eps E]\n" +
        "                         [--value-optimizer O] [--value-lr X] [--device D] [--threads T]\n" +
        "  step sizes: the official grid {3e-6,1e-5,3e-5,1e-4,3e-4,1e-3,3e-3,1e-2,1} unless --lrs or --lr-min/--lr-max/--lr-count\n" +
        "              (lr-count points spaced evenly in log10, inclusive) are given\n" +
        "  seeds: a count N (seeds 0..N-1), a list 0,4,7 or a range 3..5\n" +
        "  score: the official average return over the run: the budget in 100 bins, the mean return of the episodes ending in\n" +
        "         each bin, averaged over non-empty bins; normalised = (score - min) / (max - min) per environment over the\n" +
        "         cells with no diverged seed; a cell with a diverged seed is drawn at -0.1\n" +
        "  stable: no seed diverged and normalised >= 0.8; the report gives each optimizer's widest stable lr span\n" +
        "  --shard K/N: run only runs i with i % N == K into --out/shard-K-of-N.csv (resumable; default from a Slurm array task); then hesscale merge --out";

    /// <summary>The official step-size grid (mujoco.md 4.2).</summary>
    public static readonly IReadOnlyList<double> OfficialGrid = [3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 1];

    private const string Command = "rl-sweep";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="sweepInput"/>: the runs, from <c>hesscale merge</c> (or a plan request from <c>hesscale slurm</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, SweepInput? sweepInput)
    {
        return CommandRunner.Run(Command, Usage, args, stdout, stderr, () =>
        {
            var options = CommandLine.Parse(args, Command,
                [.. RlCommand.AgentOptions.Where(o => o is not ("optimizer" or "lr" or "seed")), "optimizers", "lrs", "lr-min", "lr-max", "lr-count", "seeds", "parallel", "shard"]);
            string optimizerList = options.Get("optimizers") ?? string.Join(",", OptimizerFactory.StudyNames);
            var optimizers = optimizerList == "all" ? OptimizerFactory.Names.ToArray() : List(optimizerList);
            var envs = List(options.Get("env") ?? "cartpole");
            long steps = RlCommand.Long(options, "steps", 15_000, Command);
            int parallel = (int)RlCommand.Long(options, "parallel", Environment.ProcessorCount, Command);
            if (parallel < 1 || steps < 1) throw new UsageException($"{Command}: --steps and --parallel must be at least 1.");
            var lrs = LearningRates(options);
            var seeds = Seeds(options.Get("seeds") ?? "2");
            // Validate every environment and optimizer name (and the shared options) before any run starts.
            var jobs = (from env in envs from o in optimizers from lr in lrs from s in seeds
                        select RlCommand.Settings(options, Command, o, (float)lr, s, env)).ToArray();
            string outDir = options.Get("out") ?? Path.Combine("results", "rl");
            string? deviceName = options.Get("device") ?? "cpu";
            int threads = options.Threads(Command, checkCores: sweepInput is null);
            using (var probe = ComputeDevice.FromEnvironment(deviceName, threads))
                stdout.WriteLine($"device: {probe.Name} (one per worker, {parallel} workers)");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rl-sweep: {string.Join(",", envs)} {RlCommand.Name(jobs[0].Algorithm)}, {optimizers.Length} optimizers x {lrs.Length} step sizes ({string.Join(", ", lrs)}) x {seeds.Length} seeds ({string.Join(",", seeds)}), {steps} steps each"));
            stdout.WriteLine(RlCommand.Describe(jobs[0]));

            var sweep = SweepCells.Open(Command, options, jobs.Select(RlSweepCells.Name).ToArray(), outDir, sweepInput);
            var results = new ConcurrentBag<RlRunResult>();
            int done = 0;
            var gate = new object();
            Parallel.ForEach(Enumerable.Range(0, jobs.Length).Where(sweep.Owns), new ParallelOptions { MaxDegreeOfParallelism = parallel }, cell =>
            {
                var job = jobs[cell];
                var r = sweep.Finished(cell) is { } rows ? RlSweepCells.Parse(job, rows) : null;
                if (r is null)
                {
                    // Divergence (a non-finite loss, parameter, value or policy output: ArithmeticException) is a result,
                    // recorded by RlRun. Anything else is an error, not a data point: it ends the sweep with one line, and a
                    // sharded run keeps its finished cells, so a re-run retries this one instead of storing it as diverged.
                    using var device = ComputeDevice.FromEnvironment(deviceName, threads == 0 ? 1 : threads);
                    r = RlRun.Execute(job, device, steps);
                    sweep.Finish(cell, RlSweepCells.Rows(r));
                }
                results.Add(r);
                lock (gate)
                {
                    done++;
                    string outcome = r.Diverged
                        ? $"DIVERGED after {r.EnvironmentSteps} steps ({r.Failure})"
                        : string.Create(CultureInfo.InvariantCulture, $"average return {r.MeanOverRun:F2} over {r.Episodes.Count} episodes");
                    stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  [{done}/{sweep.Owned}] {job.Environment} {job.Optimizer,-18} lr {RlCommand.Format(job.OptimizerSettings.LearningRate),-8} seed {job.Seed}: {outcome}  {r.Wall.TotalSeconds:F1} s"));
                }
            });
            if (sweep.IsShard)
            {
                stdout.WriteLine(sweep.Report());
                return 0;
            }

            var ordered = results.OrderBy(r => Array.IndexOf(envs, r.Settings.Environment)).ThenBy(r => Array.IndexOf(optimizers, r.Settings.Optimizer))
                .ThenBy(r => r.Settings.OptimizerSettings.LearningRate).ThenBy(r => r.Settings.Seed).ToArray();
            var cells = ordered.GroupBy(r => (r.Settings.Environment, r.Settings.Optimizer, (double)r.Settings.OptimizerSettings.LearningRate))
                .Select(g => new SweepCell(g.Key.Optimizer, g.Key.Item3, g.Select(r => r.Diverged ? double.NaN : r.Score(steps)).ToArray(), g.Count(r => r.Diverged), g.Key.Environment))
                .ToArray();

            Directory.CreateDirectory(outDir);
            string csv = Path.Combine(outDir, "rl_sweep.csv"), summary = Path.Combine(outDir, "rl_sweep_summary.csv"), png = Path.Combine(outDir, "rl_sweep.png");
            string episodes = Path.Combine(outDir, "rl_sweep_episodes.csv"), curves = Path.Combine(outDir, "rl_sweep_curves.png");
            using (var w = new StringWriter(CultureInfo.InvariantCulture))
            {
                w.WriteLine("env,algo,optimizer,lr,seed,env_steps,episodes,mean_return,diverged,wall_s,score");
                foreach (var r in ordered)
                {
                    var s = r.Settings;
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{s.Environment},{RlCommand.Name(s.Algorithm)},{s.Optimizer},{RlCommand.Format(s.OptimizerSettings.LearningRate)},{s.Seed},{r.EnvironmentSteps},{r.Episodes.Count},{(r.Diverged ? double.NaN : r.MeanOverRun):R},{(r.Diverged ? 1 : 0)},{r.Wall.TotalSeconds:F2},{(r.Diverged ? double.NaN : r.Score(steps)):R}"));
                }
                AtomicFile.WriteAllText(csv, w.ToString());
            }
            RlCommand.WriteCsv(episodes, ordered);
            using (var w = new StringWriter(CultureInfo.InvariantCulture))
            {
                w.WriteLine("env,optimizer,lr,score,score_se,normalized_score,diverged_seeds,seeds,stable");
                foreach (var c in cells)
                {
                    var (min, max) = SweepAnalysis.OfficialBounds(cells.Where(x => x.Env == c.Env));
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{c.Env},{c.Optimizer},{RlCommand.Format(c.LearningRate)},{c.Mean:R},{c.StandardError:R},{SweepAnalysis.MinMax(c.OfficialMean, min, max):F4},{c.Diverged},{c.Scores.Length},{(SweepAnalysis.Stable(c, max, min) ? 1 : 0)}"));
                }
                AtomicFile.WriteAllText(summary, w.ToString());
            }
            string what = string.Create(CultureInfo.InvariantCulture, $"{RlCommand.Name(jobs[0].Algorithm)}, {seeds.Length} seeds, {steps} steps");
            SweepFigures.Robustness(png, $"Step-size robustness ({what})", cells, optimizers);
            SweepFigures.BestCurves(curves, $"Learning curves at each optimizer's best step size ({what})", cells, ordered, optimizers, steps);

            foreach (var env in envs)
            {
                var mine = cells.Where(c => c.Env == env).ToArray();
                var (min, max) = SweepAnalysis.OfficialBounds(mine);
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{env}: best cell score {max:F2}, worst {min:F2}; stable = no divergence and normalised >= 0.8"));
                stdout.WriteLine($"{"optimizer",-24}{"lr",-10}{"score",12}{"s.e.",10}{"normalised",12}  diverged");
                foreach (var c in mine)
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{c.Optimizer,-24}{RlCommand.Format(c.LearningRate),-10}{c.Mean,12:F2}{c.StandardError,10:F2}{SweepAnalysis.MinMax(c.OfficialMean, min, max),12:F3}  {c.Diverged}/{c.Scores.Length}"));
                foreach (var o in optimizers)
                {
                    var range = SweepAnalysis.StableRange(mine, o, max, min);
                    var best = SweepAnalysis.Best(mine, o);
                    stdout.WriteLine((range is { } rg
                        ? string.Create(CultureInfo.InvariantCulture, $"stable range {o}: lr {RlCommand.Format(rg.Low)} .. {RlCommand.Format(rg.High)} ({rg.Orders:F1} orders of magnitude)")
                        : $"stable range {o}: none") + (best is null ? "; best step size: none (every cell diverged or ended no episode)" : $"; best step size {RlCommand.Format(best.LearningRate)}"));
                }
            }
            int divergedRuns = ordered.Count(r => r.Diverged);
            stdout.WriteLine($"diverged runs: {divergedRuns} of {ordered.Length}");
            stdout.WriteLine($"wrote {csv}, {episodes}, {summary}, {png} and {curves}");
            return 0;
        });
    }

    private static string[] List(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();

    /// <summary>--lrs official|list, else --lr-min/--lr-max/--lr-count when any is given, else the official grid.</summary>
    private static double[] LearningRates(CommandLine options)
    {
        string? list = options.Get("lrs");
        bool range = options.Get("lr-min") is not null || options.Get("lr-max") is not null || options.Get("lr-count") is not null;
        if (list is not null && range) throw new UsageException($"{Command}: give either --lrs or --lr-min/--lr-max/--lr-count, not both.");
        if (list is not null)
            return list == "official" ? [.. OfficialGrid] : List(list).Select(t => RlCommand.Double(t, "lrs", Command)).Order().ToArray();
        if (!range) return [.. OfficialGrid];
        double lrMin = RlCommand.Double(options.Get("lr-min") ?? "1e-5", "lr-min", Command);
        double lrMax = RlCommand.Double(options.Get("lr-max") ?? "1", "lr-max", Command);
        int lrCount = (int)RlCommand.Long(options, "lr-count", 6, Command);
        if (lrCount < 1) throw new UsageException($"{Command}: --lr-count must be at least 1.");
        if (lrMax < lrMin) throw new UsageException($"{Command}: --lr-max {lrMax} is below --lr-min {lrMin}.");
        return Enumerable.Range(0, lrCount)
            .Select(i => lrCount == 1 ? lrMin : Math.Pow(10, Math.Log10(lrMin) + i * (Math.Log10(lrMax) - Math.Log10(lrMin)) / (lrCount - 1)))
            .Select(v => double.Parse(v.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>"3" = seeds 0, 1, 2; "0,4,7" = those; "3..5" = 3, 4, 5.</summary>
    public static int[] Seeds(string text)
    {
        static int Parse(string t) => int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out int v)
            ? v
            : throw new UsageException($"{Command}: --seeds expects a count N, a list 0,4,7 or a range 3..5; '{t}' is not a non-negative integer.");
        if (text.Contains("..", StringComparison.Ordinal))
        {
            var parts = text.Split("..");
            int lo = Parse(parts[0]), hi = parts.Length == 2 ? Parse(parts[1]) : -1;
            if (parts.Length != 2 || hi < lo) throw new UsageException($"{Command}: --seeds range '{text}' must read LOW..HIGH with LOW <= HIGH.");
            return Enumerable.Range(lo, hi - lo + 1).ToArray();
        }
        if (text.Contains(',', StringComparison.Ordinal)) return List(text).Select(Parse).ToArray();
        int count = Parse(text);
        if (count < 1) throw new UsageException($"{Command}: --seeds must be at least 1.");
        return Enumerable.Range(0, count).ToArray();
    }
}
