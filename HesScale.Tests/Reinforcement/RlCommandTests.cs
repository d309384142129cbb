using HesScale.Gpu.Optimizers;
using HesScale.Bench.Commands;
using HesScale.Bench.Reinforcement;

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
    [DataRow("--value-optimizer", "adahessian")]
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
            Assert.AreEqual("env,algo,optimizer,lr,seed,env_steps,episodes,mean_return,diverged,wall_s", rows[0]);
            var summary = File.ReadAllLines(Path.Combine(dir, "rl_sweep_summary.csv"));
            Assert.HasCount(1 + 2 * 3, summary);
            StringAssert.Contains(string.Join("\n", summary), "scaled_adam,0.01,");
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
        var settings = Gpu.Reinforcement.AgentSettings.A2CDefaults("pendulum") with
        {
            Optimizer = "adam", Hidden = 7, OptimizerSettings = new Gpu.Optimizers.OptimizerSettings { LearningRate = 1e30f },
        };
        using var device = Gpu.ComputeDevice.Create(Gpu.DeviceKind.Cpu);
        var result = RlRun.Execute(settings, device, 4000);
        Assert.IsTrue(result.Diverged, $"expected a divergence, got mean return {result.MeanOverRun}");
        Assert.IsFalse(string.IsNullOrEmpty(result.Failure));
        Assert.IsLessThan(4000L, result.EnvironmentSteps);
    }
}
