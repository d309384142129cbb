using HesScale.Gpu.Optimizers;
using System.Collections.Concurrent;
using System.Globalization;
using HesScale.Bench.Plotting;
using HesScale.Bench.Reinforcement;
using HesScale.Bench.Sweeps;
using HesScale.Gpu;
using HesScale.Gpu.Reinforcement;

namespace HesScale.Bench.Commands;

/// <summary>
/// <c>hesscale rl-sweep</c>: the step-size robustness study at small scale. For each optimizer and each
/// learning rate of a log grid, several seeds are trained; each run's score is its average episode return
/// over the run. Writes rl_sweep.csv (one row per run), rl_sweep_summary.csv (one row per cell) and
/// rl_sweep.png (normalised return against learning rate); diverged runs are reported, never fatal.
/// </summary>
public static class RlSweepCommand
{
    public const string Usage =
        "usage: hesscale rl-sweep [--env cartpole] [--algo ppo] [--optimizers adam,scaled_adam,adahesscale,scaled_adahesscale]\n" +
        "                         [--lr-min 1e-5] [--lr-max 1] [--lr-count 6] [--seeds 2] [--steps 15000] [--parallel P] [--out results/rl]\n" +
        "                         [--envs E] [--rollout T] [--epochs K] [--minibatches M] [--gamma G] [--lambda L] [--hidden H] [--delta D]\n" +
        "                         [--value-optimizer O] [--value-lr X] [--device D] [--threads T] [--shard K/N]\n" +
        "  learning rates: lr-count points spaced evenly in log10 between lr-min and lr-max (inclusive)\n" +
        "  score: average episode return over the run; normalised = (score - worst) / (best - worst) over the sweep\n" +
        "  stable: no seed diverged and normalised >= 0.8; the report gives each optimizer's widest stable lr span\n" +
        "  --shard K/N: run only runs i with i % N == K into --out/shard-K-of-N.csv (resumable; default from a Slurm array task); then hesscale merge --out";

    private const string Command = "rl-sweep";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, null);

    /// <summary>As <see cref="Run(string[], TextWriter, TextWriter)"/>; <paramref name="sweepInput"/>: the runs, from <c>hesscale merge</c> (or a plan request from <c>hesscale slurm</c>).</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, SweepInput? sweepInput)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            if (args.Any(a => a is "--help" or "-h"))
            {
                stdout.WriteLine(Usage);
                return 0;
            }
            var options = CommandLine.Parse(args, Command,
                [.. RlCommand.AgentOptions.Where(o => o is not ("optimizer" or "lr" or "seed")), "optimizers", "lr-min", "lr-max", "lr-count", "seeds", "parallel", "shard"]);
            var optimizers = (options.Get("optimizers") ?? string.Join(",", OptimizerFactory.StudyNames)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            double lrMin = RlCommand.Double(options.Get("lr-min") ?? "1e-5", "lr-min", Command);
            double lrMax = RlCommand.Double(options.Get("lr-max") ?? "1", "lr-max", Command);
            int lrCount = (int)RlCommand.Long(options, "lr-count", 6, Command);
            int seeds = (int)RlCommand.Long(options, "seeds", 2, Command);
            long steps = RlCommand.Long(options, "steps", 15_000, Command);
            int parallel = (int)RlCommand.Long(options, "parallel", Environment.ProcessorCount, Command);
            if (lrCount < 1 || seeds < 1 || parallel < 1 || steps < 1) throw new UsageException($"{Command}: --lr-count, --seeds, --steps and --parallel must be at least 1.");
            if (lrMax < lrMin) throw new UsageException($"{Command}: --lr-max {lrMax} is below --lr-min {lrMin}.");
            var lrs = Enumerable.Range(0, lrCount)
                .Select(i => lrCount == 1 ? lrMin : Math.Pow(10, Math.Log10(lrMin) + i * (Math.Log10(lrMax) - Math.Log10(lrMin)) / (lrCount - 1)))
                .Select(v => double.Parse(v.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)).ToArray();
            // Validate every optimizer name (and the shared options) before any run starts.
            var jobs = (from o in optimizers from lr in lrs from s in Enumerable.Range(0, seeds)
                        select RlCommand.Settings(options, Command, o, (float)lr, s)).ToArray();
            string outDir = options.Get("out") ?? Path.Combine("results", "rl");
            string? deviceName = options.Get("device") ?? "cpu";
            int threads = options.Threads(Command);
            using (var probe = ComputeDevice.FromEnvironment(deviceName, threads))
                stdout.WriteLine($"device: {probe.Name} (one per worker, {parallel} workers)");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rl-sweep: {jobs[0].Environment} {RlCommand.Name(jobs[0].Algorithm)}, {optimizers.Length} optimizers x {lrs.Length} learning rates ({string.Join(", ", lrs)}) x {seeds} seeds, {steps} steps each"));

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
                        $"  [{done}/{sweep.Owned}] {job.Optimizer,-18} lr {RlCommand.Format(job.OptimizerSettings.LearningRate),-8} seed {job.Seed}: {outcome}  {r.Wall.TotalSeconds:F1} s"));
                }
            });
            if (sweep.IsShard)
            {
                stdout.WriteLine(sweep.Report());
                return 0;
            }

            var ordered = results.OrderBy(r => Array.IndexOf(optimizers, r.Settings.Optimizer)).ThenBy(r => r.Settings.OptimizerSettings.LearningRate).ThenBy(r => r.Settings.Seed).ToArray();
            var cells = ordered.GroupBy(r => (r.Settings.Optimizer, (double)r.Settings.OptimizerSettings.LearningRate))
                .Select(g => new SweepCell(g.Key.Optimizer, g.Key.Item2, g.Select(r => r.Diverged ? double.NaN : r.MeanOverRun).ToArray(), g.Count(r => r.Diverged)))
                .ToArray();
            var (best, floor) = SweepAnalysis.Bounds(cells);

            Directory.CreateDirectory(outDir);
            string csv = Path.Combine(outDir, "rl_sweep.csv"), summary = Path.Combine(outDir, "rl_sweep_summary.csv"), png = Path.Combine(outDir, "rl_sweep.png");
            using (var w = new StreamWriter(csv))
            {
                w.WriteLine("env,algo,optimizer,lr,seed,env_steps,episodes,mean_return,diverged,wall_s");
                foreach (var r in ordered)
                {
                    var s = r.Settings;
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{s.Environment},{RlCommand.Name(s.Algorithm)},{s.Optimizer},{RlCommand.Format(s.OptimizerSettings.LearningRate)},{s.Seed},{r.EnvironmentSteps},{r.Episodes.Count},{(r.Diverged ? double.NaN : r.MeanOverRun):R},{(r.Diverged ? 1 : 0)},{r.Wall.TotalSeconds:F2}"));
                }
            }
            using (var w = new StreamWriter(summary))
            {
                w.WriteLine("optimizer,lr,mean_return,normalized_return,diverged_seeds,seeds,stable");
                foreach (var c in cells)
                    w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{c.Optimizer},{RlCommand.Format(c.LearningRate)},{c.Mean:R},{SweepAnalysis.Normalized(c, best, floor):F4},{c.Diverged},{c.Scores.Length},{(SweepAnalysis.Stable(c, best, floor) ? 1 : 0)}"));
            }
            Charts.Lines(png, $"{jobs[0].Environment} {RlCommand.Name(jobs[0].Algorithm)}: normalised average return ({seeds} seeds, {steps} steps)",
                "learning rate", "normalised return (diverged = 0)",
                optimizers.Select(o =>
                {
                    var row = cells.Where(c => c.Optimizer == o).OrderBy(c => c.LearningRate).ToArray();
                    return new Series(o, row.Select(c => c.LearningRate).ToArray(), row.Select(c => SweepAnalysis.Normalized(c, best, floor)).ToArray());
                }), logX: true);

            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best cell mean {best:F2}, worst {floor:F2}; stable = no divergence and normalised >= 0.8"));
            stdout.WriteLine($"{"optimizer",-20}{"lr",-10}{"mean",12}{"normalised",12}  diverged");
            foreach (var c in cells)
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{c.Optimizer,-20}{RlCommand.Format(c.LearningRate),-10}{c.Mean,12:F2}{SweepAnalysis.Normalized(c, best, floor),12:F3}  {c.Diverged}/{c.Scores.Length}"));
            foreach (var o in optimizers)
            {
                var range = SweepAnalysis.StableRange(cells, o, best, floor);
                stdout.WriteLine(range is { } rg
                    ? string.Create(CultureInfo.InvariantCulture, $"stable range {o}: lr {RlCommand.Format(rg.Low)} .. {RlCommand.Format(rg.High)} ({rg.Orders:F1} orders of magnitude)")
                    : $"stable range {o}: none");
            }
            int divergedRuns = ordered.Count(r => r.Diverged);
            stdout.WriteLine($"diverged runs: {divergedRuns} of {ordered.Length}");
            stdout.WriteLine($"wrote {csv}, {summary} and {png}");
            return 0;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"hesscale rl-sweep: {e.Message}");
            stderr.WriteLine(Usage);
            return 2;
        }
        catch (Exception e) when (DiagCommand.IsReportable(e))
        {
            stderr.WriteLine($"hesscale rl-sweep: error: {e.Message}");
            return 1;
        }
    }
}
