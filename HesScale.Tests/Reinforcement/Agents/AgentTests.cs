using HesScale.Bench.Reinforcement.Agents;
using HesScale.Bench.Reinforcement.Environments;
using HesScale.Gpu;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;
using HesScale.Reference.Optimizers;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reinforcement.Agents;

/// <summary>GAE by hand, running statistics, the host optimizer's formulas, vectorised stepping and agent determinism.</summary>
[TestClass]
public sealed class AgentTests
{
    [TestMethod]
    public void Gae_MatchesHandComputation_WithEpisodeBoundary()
    {
        // One copy, 3 steps, episode ends after step 1 (index 1). gamma 0.9, lambda 0.5.
        float[] r = [1, 2, 3], v = [0.5f, 0.4f, 0.3f];
        bool[] done = [false, true, false];
        var adv = new float[3];
        var ret = new float[3];
        Gae.Compute(r, v, done, [0.2f], 3, 1, 0.9, 0.5, adv, ret);
        double d2 = 3 + 0.9 * 0.2 - 0.3;           // bootstraps from the last value
        double d1 = 2 - 0.4;                        // terminal: no bootstrap, no carry
        double d0 = 1 + 0.9 * 0.4 - 0.5;
        double a0 = d0 + 0.9 * 0.5 * d1;
        Assert.AreEqual(d2, adv[2], 1e-6);
        Assert.AreEqual(d1, adv[1], 1e-6);
        Assert.AreEqual(a0, adv[0], 1e-6);
        Assert.AreEqual(a0 + 0.5, ret[0], 1e-6);
    }

    [TestMethod]
    public void Gae_LambdaOne_GivesNStepReturns_PerCopy()
    {
        // Two copies interleaved (T x E layout); lambda = 1: returns are discounted sums bootstrapped at the end.
        float[] r = [1, 10, 1, 10], v = [0, 0, 0, 0];
        bool[] done = [false, false, false, false];
        var adv = new float[4];
        var ret = new float[4];
        Gae.Compute(r, v, done, [5f, 7f], 2, 2, 0.5, 1.0, adv, ret);
        Assert.AreEqual(1 + 0.5 * (1 + 0.5 * 5), ret[0], 1e-6);
        Assert.AreEqual(10 + 0.5 * (10 + 0.5 * 7), ret[1], 1e-6);
    }

    [TestMethod]
    public void RunningMeanStd_MatchesBatchStatistics()
    {
        var rng = new Random(2);
        var data = Enumerable.Range(0, 3 * 101).Select(_ => (float)(rng.NextDouble() * 10 - 3)).ToArray();
        var stats = new RunningMeanStd(3);
        stats.Update(data.AsSpan(0, 3 * 40), 40);
        stats.Update(data.AsSpan(3 * 40), 61);
        for (int f = 0; f < 3; f++)
        {
            var col = Enumerable.Range(0, 101).Select(i => (double)data[i * 3 + f]).ToArray();
            double mean = col.Average(), var = col.Sum(x => (x - mean) * (x - mean)) / col.Length;
            Assert.AreEqual(mean, stats.Mean[f], 1e-4);
            Assert.AreEqual(var, stats.Variance[f], 1e-3 * var);
        }
    }

    [TestMethod]
    [DataRow("adam")]
    [DataRow("adahesscale")]
    [DataRow("scaled_adam")]
    [DataRow("scaled_adahesscale")]
    public void HostOptimizer_FirstStep_FollowsTheFormulas(string name)
    {
        var spec = new NetworkSpec(LayerSpec.Linear(3, 5), LayerSpec.Tanh(), LayerSpec.Linear(5, 2));
        using var net = new Network(Devices.Native, spec, seed: 9);
        var settings = new OptimizerSettings { LearningRate = 0.05f, Delta = 1e-6f };
        using var opt = new HostAdaptiveOptimizer(name, net, settings);
        float[] x = [0.2f, -0.5f, 0.9f, 1.1f, 0.3f, -0.7f, 0.4f, 0.1f, -0.2f];
        var before = Enumerable.Range(0, spec.Parameters.Count).Select(net.GetParameter).ToArray();
        var result = net.Backward(x, 3, new MseLossTwo(), [.. opt.RequiredCurvature, CurvatureMethod.HesScale]); // HesScale read below for every variant
        var grads = Enumerable.Range(0, spec.Parameters.Count).Select(result.Gradient).ToArray();
        var hs = Enumerable.Range(0, spec.Parameters.Count).Select(p => result.Curvature(CurvatureMethod.HesScale, p)).ToArray();
        opt.Step(result);
        bool hess = name.Contains("adahesscale", StringComparison.Ordinal), scaled = name.StartsWith("scaled", StringComparison.Ordinal);
        // t = 1: m_hat = g, v_hat = s^2 (s = g or h), u = lr g / (|s| + eps); alpha = min(1, sqrt(2 delta / sum sqrt(v) u^2)), v = 0.001 h^2.
        double quad = 0;
        for (int p = 0; p < grads.Length; p++)
            for (int i = 0; i < grads[p].Length; i++)
            {
                double s = hess ? hs[p][i] : grads[p][i];
                double u = 0.05 * grads[p][i] / (Math.Abs(s) + 1e-8);
                quad += Math.Sqrt(0.001 * hs[p][i] * hs[p][i]) * u * u;
            }
        double alpha = scaled ? Math.Min(1, Math.Sqrt(2e-6 / quad)) : 1;
        Assert.AreEqual(alpha, opt.LastScale, 1e-4 * alpha);
        if (scaled) Assert.IsLessThanOrEqualTo(0.999, alpha, "delta is small enough that the scaling must bite");
        for (int p = 0; p < grads.Length; p++)
        {
            var after = net.GetParameter(p);
            for (int i = 0; i < after.Length; i++)
            {
                double s = hess ? hs[p][i] : grads[p][i];
                double expected = before[p][i] - alpha * 0.05 * grads[p][i] / (Math.Abs(s) + 1e-8);
                Assert.AreEqual(expected, after[i], 1e-5 + 1e-4 * Math.Abs(expected), $"{name} parameter {p}[{i}]");
            }
        }
    }

    [TestMethod]
    [DataRow("adam")]
    [DataRow("adahesscale")]
    [DataRow("scaled_adam")]
    [DataRow("scaled_adahesscale")]
    public void DeviceOptimizer_AgreesWithHostOptimizer_OverPpoUpdates(string name)
    {
        // Three PPO policy updates on the same network copy: device optimizer (HesScale.Gpu.Optimizers) vs host one.
        var spec = new NetworkSpec(LayerSpec.Linear(4, 9), LayerSpec.Tanh(), LayerSpec.Linear(9, 3));
        using var a = new Network(Devices.Native, spec, seed: 21);
        using var b = new Network(Devices.Native, spec, seed: 21);
        var settings = new OptimizerSettings { LearningRate = 0.01f, Delta = 1e-7f };
        using var device = OptimizerFactory.Create(name, a, settings);
        using var host = new HostAdaptiveOptimizer(name, b, settings);
        var r = new Random(4);
        int n = 11;
        for (int step = 0; step < 3; step++)
        {
            var x = Enumerable.Range(0, n * 4).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
            var actions = Enumerable.Range(0, n).Select(_ => r.Next(3)).ToArray();
            var adv = Enumerable.Range(0, n).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
            var old = Enumerable.Range(0, n).Select(_ => (float)Math.Log(0.2 + 0.3 * r.NextDouble())).ToArray();
            var loss = new PpoCategoricalLoss(3, actions, old, adv, 0.2f);
            device.Step(a.Backward(x, n, loss, device.RequiredCurvature));
            host.Step(b.Backward(x, n, loss, host.RequiredCurvature));
            Assert.AreEqual(host.LastScale, device.LastScale, 1e-4f * host.LastScale, $"alpha at step {step}");
        }
        for (int p = 0; p < spec.Parameters.Count; p++)
        {
            var pa = a.GetParameter(p);
            var pb = b.GetParameter(p);
            for (int i = 0; i < pa.Length; i++) Assert.AreEqual(pb[i], pa[i], 1e-5f + 1e-4f * Math.Abs(pb[i]), $"{name} parameter {p}[{i}]");
        }
    }

    /// <summary>A tiny two-output squared loss for the optimizer test.</summary>
    private sealed class MseLossTwo : IOutputLoss
    {
        public double Evaluate(ReadOnlySpan<float> outputs, int batch, int width, Span<float> gradient, Span<float> hessianDiagonal)
        {
            double loss = 0;
            for (int i = 0; i < batch * width; i++)
            {
                double e = outputs[i] - (i % 2 == 0 ? 1.0 : -0.5);
                loss += e * e / batch;
                gradient[i] = (float)(2 * e / batch);
                hessianDiagonal[i] = (float)(2.0 / batch * (1 + i % 3)); // varied so h differs from g
            }
            return loss;
        }
    }

    [TestMethod]
    public void VectorEnvironment_TruncatesAtTimeLimit_AndAutoResets()
    {
        var env = new VectorEnvironment("pendulum", 3, seed: 1);
        var obs = new float[9];
        env.Reset(obs);
        var final = new float[9];
        var rewards = new float[3];
        var term = new bool[3];
        var trunc = new bool[3];
        for (int t = 1; t <= 200; t++)
        {
            env.Step(new float[] { 0.5f, -0.5f, 0f }, obs, rewards, term, trunc, final);
            Assert.AreEqual(t == 200, trunc[0], $"step {t}");
            Assert.IsFalse(term[0]);
        }
        Assert.HasCount(3, env.Episodes);
        Assert.IsTrue(env.Episodes.All(e => e.Length == 200));
        CollectionAssert.AreEqual(new long[] { 598, 599, 600 }, env.Episodes.Select(e => e.EnvironmentSteps).ToArray(), "total steps when each copy's episode ended");
        Assert.AreNotEqual(final[2], obs[2], "the returned observation is the next episode's first one");
    }

    [TestMethod]
    public void VectorEnvironment_CopiesAreSeededDeterministically()
    {
        float[] First(int seed)
        {
            var env = new VectorEnvironment("cartpole", 4, seed);
            var obs = new float[16];
            env.Reset(obs);
            return obs;
        }
        CollectionAssert.AreEqual(First(5), First(5));
        CollectionAssert.AreNotEqual(First(5), First(6));
        var o = First(5);
        CollectionAssert.AreNotEqual(o[..4], o[4..8], "copies draw different start states");
    }

    [TestMethod]
    [DataRow("cartpole", RlAlgorithm.Ppo)]
    [DataRow("pendulum", RlAlgorithm.A2C)]
    public void Agent_SameSeed_SameEpisodes(string env, RlAlgorithm algo)
    {
        var settings = AgentSettings.Defaults(env, algo) with { Seed = 3, Environments = 2, RolloutSteps = 100, Hidden = 13, Epochs = 2, Minibatches = 3 };
        double[] Run()
        {
            using var agent = new ActorCriticAgent(settings, Devices.Native);
            agent.Train(1200);
            return agent.Episodes.Select(e => e.Return).ToArray();
        }
        var a = Run();
        Assert.IsNotEmpty(a);
        CollectionAssert.AreEqual(a, Run());
    }

    [TestMethod]
    public void Agent_BadSettings_AreNamed()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ActorCriticAgent(AgentSettings.PpoDefaults("cartpole") with { Minibatches = 0 }, Devices.Native));
        Assert.AreEqual("Minibatches", e.ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => new ActorCriticAgent(AgentSettings.PpoDefaults("cartpole") with { Optimizer = "lion" }, Devices.Native));
    }
}
