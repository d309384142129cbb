using HesScale.Bench.Commands;
using HesScale.Bench.Reinforcement;
using HesScale.Bench.Reinforcement.Agents;
using HesScale.Gpu.Optimizers;

using EpisodeRecordList = System.Collections.Generic.List<HesScale.Bench.Reinforcement.Environments.EpisodeRecord>;

namespace HesScale.Tests.Reinforcement;

/// <summary>The rl and rl-sweep commands in-process on tiny runs: files, columns, exit codes, errors.</summary>
[TestClass]
public sealed class RlCommandTests
{
    private static (int Code, string Out, string Err) Run(Func<string[], TextWriter, TextWriter, int> command, params string[] args)
    {
        using var o = new StringWriter();
        using var e = new StringWriter();
        int code = command(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "hesscale-rl-" + Guid.NewGuid().ToString("N"));

    [TestMethod]
    public void Rl_WritesCsvWithOneRowPerEpisode_AndPng()
    {
        string dir = TempDir();
        try
        {
            var (code, stdout, stderr) = Run(RlCommand.Run, "--env", "cartpole", "--algo", "a2c", "--optimizer", "scaled_adahesscale", "--lr", "0.001",
                "--steps", "600", "--seed", "2", "--hidden", "9", "--out", dir, "--target", "475", "--value-optimizer", "sgd", "--value-lr", "0.01");
            Assert.AreEqual(0, code, stderr);
            StringAssert.Contains(stdout, "device: cpu");
            StringAssert.Contains(stdout, "target 475: not reached");
            StringAssert.Contains(stderr, "mean return (last 100)");
            var lines = File.ReadAllLines(Path.Combine(dir, "rl.csv"));
            Assert.AreEqual("env,algo,optimizer,lr,seed,env_steps,episode_return", lines[0]);
            Assert.IsGreaterThan(5, lines.Length, "600 random-ish CartPole steps end several episodes");
            var first = lines[1].Split(',');
            Assert.AreEqual("cartpole", first[0]);
            Assert.AreEqual("a2c", first[1]);
            Assert.AreEqual("scaled_adahesscale", first[2]);
            Assert.AreEqual("2", first[4]);
            Assert.IsTrue(File.Exists(Path.Combine(dir, "rl.png")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    [DataRow("--env", "lunarlander")]
    [DataRow("--algo", "sac")]
    [DataRow("--optimizer", "lion")]
    [DataRow("--value-optimizer", "adaggnmc")]
    [DataRow("--preset", "cleanrl")]
    [DataRow("--variance", "relu")]
    [DataRow("--hessian-sign", "negative")]
    [DataRow("--eps", "0")]
    [DataRow("--lr", "-1")]
    [DataRow("--steps", "many")]
    [DataRow("--bogus", "1")]
    public void Rl_BadOption_ExitsWithUsage(string option, string value)
    {
        var (code, _, stderr) = Run(RlCommand.Run, option, value);
        Assert.AreEqual(2, code);
        StringAssert.Contains(stderr, option.TrimStart('-'));
    }

    [TestMethod]
    public void RlSweep_RunsGrid_WritesFiles_AndReportsRanges()
    {
        string dir = TempDir();
        try
        {
            var (code, stdout, stderr) = Run(RlSweepCommand.Run, "--env", "pendulum", "--algo", "a2c", "--optimizers", "adam,scaled_adam",
                "--lr-min", "1e-4", "--lr-max", "1", "--lr-count", "3", "--seeds", "2", "--steps", "400", "--hidden", "7", "--parallel", "2", "--out", dir);
            Assert.AreEqual(0, code, stderr);
            var rows = File.ReadAllLines(Path.Combine(dir, "rl_sweep.csv"));
            Assert.HasCount(1 + 2 * 3 * 2, rows);
            Assert.AreEqual("env,algo,optimizer,lr,seed,env_steps,episodes,mean_return,diverged,wall_s,score", rows[0]);
            var summary = File.ReadAllLines(Path.Combine(dir, "rl_sweep_summary.csv"));
            Assert.HasCount(1 + 2 * 3, summary);
            StringAssert.Contains(string.Join("\n", summary), "pendulum,scaled_adam,0.01,");
            StringAssert.Contains(stdout, "stable range adam:");
            StringAssert.Contains(stdout, "diverged runs:");
            Assert.IsTrue(File.Exists(Path.Combine(dir, "rl_sweep.png")));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    [DataRow("--hessian-sign", "official")]
    [DataRow("--variance", "exp")]
    public void Rl_GaussianOnlyOptions_RefuseADiscreteTask(string option, string value)
    {
        var (code, _, stderr) = Run(RlCommand.Run, "--env", "cartpole", option, value, "--steps", "10");
        Assert.AreEqual(2, code);
        StringAssert.Contains(stderr, "cartpole has discrete actions");
    }

    [TestMethod]
    public void Rl_OfficialPreset_PrintsSetupSpeedAndTimeSplit()
    {
        string dir = TempDir();
        try
        {
            var (code, stdout, stderr) = Run(RlCommand.Run, "--env", "pendulum", "--algo", "ppo", "--preset", "official", "--optimizer", "adahessian",
                "--hessian-sign", "official", "--rollout", "100", "--minibatches", "4", "--epochs", "1", "--steps", "400", "--hidden", "6", "--out", dir);
            Assert.AreEqual(0, code, stderr);
            StringAssert.Contains(stdout, "setup: variance exp (1 hidden layer), hessian sign official, init Orthogonal");
            StringAssert.Contains(stdout, "eps 1E-05, delta 1E-08");
            StringAssert.Matches(stdout, new System.Text.RegularExpressions.Regex(@"speed: \d+ env steps/s end to end; wall time: physics \d+% \([0-9.]+ s\), inference \d+% .*updates \d+% "));
            StringAssert.Contains(stderr, "steps/s");
            Assert.IsTrue(File.Exists(Path.Combine(dir, "rl.png")));
            Assert.AreEqual(1 + 2, File.ReadAllLines(Path.Combine(dir, "rl.csv")).Length, "two 200-step episodes in 400 steps");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void RlSweep_SeveralEnvsAndSeedList_WritesBothFigures_AndTheEpisodes()
    {
        string dir = TempDir();
        try
        {
            var (code, stdout, stderr) = Run(RlSweepCommand.Run, "--env", "pendulum,mountaincar_continuous", "--algo", "a2c", "--preset", "official",
                "--optimizers", "adam,scaled_adahesscale", "--lrs", "1e-3,1e30", "--seeds", "4,6", "--steps", "300", "--hidden", "5", "--parallel", "2", "--out", dir);
            Assert.AreEqual(0, code, stderr);
            var rows = File.ReadAllLines(Path.Combine(dir, "rl_sweep.csv"));
            Assert.HasCount(1 + 2 * 2 * 2 * 2, rows);
            CollectionAssert.AreEquivalent(new[] { "4", "6" }, rows.Skip(1).Select(r => r.Split(',')[4]).Distinct().ToArray());
            Assert.IsTrue(rows.Any(r => r.StartsWith("mountaincar_continuous,", StringComparison.Ordinal)));
            // lr 1e30 makes adam diverge: recorded, never fatal, its cell -inf in the normalised column.
            Assert.IsTrue(rows.Any(r => r.Contains(",adam,1E+30,", StringComparison.Ordinal) && r.Split(',')[8] == "1"), string.Join("\n", rows));
            var summary = File.ReadAllLines(Path.Combine(dir, "rl_sweep_summary.csv"));
            Assert.AreEqual("env,optimizer,lr,score,score_se,normalized_score,diverged_seeds,seeds,stable", summary[0]);
            StringAssert.Contains(string.Join("\n", summary), "pendulum,adam,1E+30,NaN,NaN,-Infinity,2,2,0");
            var episodes = File.ReadAllLines(Path.Combine(dir, "rl_sweep_episodes.csv"));
            Assert.AreEqual("env,algo,optimizer,lr,seed,env_steps,episode_return", episodes[0]);
            Assert.IsTrue(episodes.Any(e => e.StartsWith("pendulum,a2c,scaled_adahesscale,0.001,6,200,", StringComparison.Ordinal)));
            StringAssert.Contains(string.Join("\n", summary), "mountaincar_continuous,adam,0.001,NaN,0,NaN,0,2,0", "no episode ended in 300 steps: no score");
            Assert.IsTrue(File.Exists(Path.Combine(dir, "rl_sweep.png")));
            Assert.IsTrue(File.Exists(Path.Combine(dir, "rl_sweep_curves.png")));
            StringAssert.Contains(stdout, "pendulum: best cell score");
            StringAssert.Contains(stdout, "best step size 0.001");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    [DataRow("3", new[] { 0, 1, 2 })]
    [DataRow("0,4,7", new[] { 0, 4, 7 })]
    [DataRow("3..5", new[] { 3, 4, 5 })]
    public void RlSweep_Seeds_CountListOrRange(string text, int[] expected) =>
        CollectionAssert.AreEqual(expected, RlSweepCommand.Seeds(text));

    [TestMethod]
    [DataRow("--seeds", "5..2")]
    [DataRow("--seeds", "a,b")]
    [DataRow("--lrs", "1e-3,-1")]
    [DataRow("--env", "pendulum,lunarlander")]
    public void RlSweep_BadOption_ExitsWithUsage(string option, string value)
    {
        var (code, _, stderr) = Run(RlSweepCommand.Run, option, value, "--steps", "10");
        Assert.AreEqual(2, code, stderr);
        StringAssert.Contains(stderr, option.TrimStart('-'));
    }

    [TestMethod]
    public void SweepAnalysis_OfficialBinnedScore_ByHand()
    {
        // Budget 1000 in 10 bins of 100: episodes ending at 100 (bin 0), 150 and 190 (bin 1), 950 (bin 9); bins 2-8 empty.
        EpisodeRecordList e = [new(10, 100, 100), new(20, 50, 150), new(40, 40, 190), new(-5, 760, 950)];
        var bins = SweepAnalysis.BinnedReturns(e, 1000, 10);
        Assert.AreEqual(10, bins[0]);
        Assert.AreEqual(30, bins[1]);
        Assert.IsTrue(double.IsNaN(bins[5]));
        Assert.AreEqual(-5, bins[9]);
        Assert.AreEqual((10 + 30 - 5) / 3.0, SweepAnalysis.BinnedScore(e, 1000, 10), 1e-12, "mean of the non-empty bins, not of the episodes");
        Assert.AreNotEqual(e.Average(x => x.Return), SweepAnalysis.BinnedScore(e, 1000, 10));
    }

    [TestMethod]
    public void SweepAnalysis_BestStepSize_SkipsCellsWithADivergedSeed()
    {
        SweepCell C(double lr, double[] scores, int diverged = 0) => new("o", lr, scores, diverged, "e");
        SweepCell[] cells = [C(1e-4, [5, 6]), C(1e-3, [9, 100], 1), C(1e-2, [8, 7]), C(1e-1, [1, 2])];
        Assert.AreEqual(1e-2, SweepAnalysis.Best(cells, "o")!.LearningRate);
        Assert.AreEqual(double.NegativeInfinity, cells[1].OfficialMean);
        Assert.AreEqual((1.5, 7.5), SweepAnalysis.OfficialBounds(cells));
        Assert.AreEqual((5.5 - 1.5) / 6, SweepAnalysis.MinMax(cells[0].OfficialMean, 1.5, 7.5), 1e-12);
        Assert.AreEqual(0.5, cells[0].StandardError, 1e-12);
        Assert.IsNull(SweepAnalysis.Best([C(1, [1], 1)], "o"));
    }

    [TestMethod]
    public void SweepAnalysis_NormalisesAndFindsTheWidestStableSpan()
    {
        SweepCell C(double lr, double score, int diverged = 0) => new("x", lr, [score], diverged);
        SweepCell[] cells = [C(1e-5, 10), C(1e-4, 90), C(1e-3, 100), C(1e-2, 85), C(1e-1, double.NaN, 1), C(1, 95)];
        var (best, floor) = SweepAnalysis.Bounds(cells);
        Assert.AreEqual(100, best);
        Assert.AreEqual(10, floor);
        Assert.AreEqual((85 - 10) / 90.0, SweepAnalysis.Normalized(cells[3], best, floor), 1e-12);
        Assert.AreEqual(0, SweepAnalysis.Normalized(cells[4], best, floor));
        var range = SweepAnalysis.StableRange(cells, "x", best, floor);
        Assert.IsNotNull(range);
        Assert.AreEqual(1e-4, range.Value.Low);
        Assert.AreEqual(1e-2, range.Value.High);
        Assert.AreEqual(2.0, range.Value.Orders, 1e-12);
        Assert.IsNull(SweepAnalysis.StableRange(cells, "y", best, floor));
    }

    [TestMethod]
    public void RlRun_ReportsDivergenceInsteadOfThrowing()
    {
        // A huge learning rate on Pendulum drives the Gaussian policy's ratio or outputs to non-finite values.
        var settings = AgentSettings.A2CDefaults("pendulum") with
        {
            Optimizer = "adam", Hidden = 7, OptimizerSettings = new Gpu.Optimizers.OptimizerSettings { LearningRate = 1e30f },
        };
        using var device = Gpu.Devices.ComputeDevice.Create(Gpu.Devices.DeviceKind.Cpu);
        var result = RlRun.Execute(settings, device, 4000);
        Assert.IsTrue(result.Diverged, $"expected a divergence, got mean return {result.MeanOverRun}");
        Assert.IsFalse(string.IsNullOrEmpty(result.Failure));
        Assert.IsLessThan(4000L, result.EnvironmentSteps);
    }
}
