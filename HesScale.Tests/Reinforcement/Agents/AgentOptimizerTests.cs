using HesScale.Bench.Reinforcement.Agents;
using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Gpu.Optimizers;
using HesScale.Gpu.Reinforcement;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reinforcement.Agents;

/// <summary>
/// Every optimizer of the library inside the official A2C and PPO agents, the Hessian-sign option
/// seen through an agent, and AdaHessian's Hutchinson estimate on an RL loss against the exact
/// parameter-Hessian diagonal (central differences of the gradient).
/// </summary>
[TestClass]
public sealed class AgentOptimizerTests
{
    public static IEnumerable<object[]> EveryOptimizerAndAlgorithm =>
        from o in OptimizerFactory.Names from a in new[] { RlAlgorithm.Ppo, RlAlgorithm.A2C } select new object[] { o, a };

    /// <summary>The official preset shrunk to a few updates on Pendulum (200-step episodes).</summary>
    private static AgentSettings Tiny(string optimizer, RlAlgorithm algo, float lr, HessianSign sign = HessianSign.True) =>
        AgentSettings.Official("pendulum", algo) with
        {
            Optimizer = optimizer, Hidden = 8, Seed = 5, HessianSign = sign,
            RolloutSteps = algo == RlAlgorithm.Ppo ? 50 : 5, Minibatches = algo == RlAlgorithm.Ppo ? 3 : 1, Epochs = algo == RlAlgorithm.Ppo ? 2 : 1,
            OptimizerSettings = AgentSettings.OptimizerDefaults(lr),
        };

    private static double[] Returns(AgentSettings settings, long steps)
    {
        using var agent = new ActorCriticAgent(settings, Devices.Native);
        agent.Train(steps);
        Assert.IsGreaterThan(0, agent.Updates);
        return agent.Episodes.Select(e => e.Return).ToArray();
    }

    [TestMethod]
    [DynamicData(nameof(EveryOptimizerAndAlgorithm))]
    public void EveryOptimizer_TrainsTheOfficialAgent(string optimizer, RlAlgorithm algo)
    {
        // The first episode (200 steps) spans several updates: with lr 0 it is the initial policy's, with lr > 0 it must differ.
        var frozen = Returns(Tiny(optimizer, algo, 0f), 400);
        var trained = Returns(Tiny(optimizer, algo, 1e-2f), 400);
        Assert.HasCount(2, trained);
        Assert.IsTrue(trained.All(double.IsFinite), $"{optimizer} {algo}: finite returns");
        Assert.AreNotEqual(frozen[0], trained[0], $"{optimizer} {algo}: the updates changed the policy");
        CollectionAssert.AreEqual(trained, Returns(Tiny(optimizer, algo, 1e-2f), 400), $"{optimizer} {algo}: same seed, same run");
    }

    [TestMethod]
    [DataRow(RlAlgorithm.Ppo)]
    [DataRow(RlAlgorithm.A2C)]
    public void HessianSign_ChangesOnlyWhatReadsTheCurvature(RlAlgorithm algo)
    {
        // Adam never reads the HesScale diagonal: both signs give the same run. AdaHesScale does: the runs differ.
        CollectionAssert.AreEqual(Returns(Tiny("adam", algo, 1e-2f), 400), Returns(Tiny("adam", algo, 1e-2f, HessianSign.Official), 400));
        CollectionAssert.AreNotEqual(Returns(Tiny("adahesscale", algo, 1e-2f), 400), Returns(Tiny("adahesscale", algo, 1e-2f, HessianSign.Official), 400));
    }

    [TestMethod]
    public void OfficialA2C_UpdatesEveryFiveSteps_OrWhenTheEpisodeEnds()
    {
        // MountainCarContinuous truncates at 999 steps: 199 rollouts of 5 and one of 4 end exactly with the episode.
        (long Steps, int Updates) Run(bool endOnDone)
        {
            var settings = AgentSettings.Official("mountaincar_continuous", RlAlgorithm.A2C) with { EndRolloutOnDone = endOnDone, Hidden = 6, Optimizer = "sgd" };
            using var agent = new ActorCriticAgent(settings, Devices.Native);
            agent.Train(999);
            return (agent.EnvironmentSteps, agent.Updates);
        }
        Assert.AreEqual((999L, 200), Run(true));
        Assert.AreEqual((1000L, 200), Run(false));
        var bad = AgentSettings.Official("pendulum", RlAlgorithm.A2C) with { Environments = 2 };
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(bad.Validate);
    }

    [TestMethod]
    public void ClipActions_TheEnvironmentSeesTheClippedAction()
    {
        // MountainCarContinuous charges 0.1 a^2 on the action it receives; the initial policy has var = e^~0 ~ 1, so
        // about a third of the samples fall outside [-1, 1]. Clipped: each step costs at most 0.1 (unless the goal pays 100).
        double Run(bool clip)
        {
            var settings = AgentSettings.Official("mountaincar_continuous", RlAlgorithm.A2C) with
            {
                ClipActions = clip, Hidden = 8, Seed = 2, OptimizerSettings = AgentSettings.OptimizerDefaults(0f), Optimizer = "adam",
            };
            using var agent = new ActorCriticAgent(settings, Devices.Native);
            agent.Train(999);
            Assert.HasCount(1, agent.Episodes);
            return agent.Episodes[0].Return;
        }
        double clipped = Run(true), raw = Run(false);
        Assert.IsGreaterThanOrEqualTo(-0.1 * 999 - 1e-9, clipped, "no step costs more than 0.1 when the action is clipped");
        Assert.IsLessThan(-0.1 * 999, raw, "unclipped samples beyond +-1 cost more");
    }

    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void HessianVectorProduct_OnAnRlLoss_MatchesCentralDifferencesOfTheGradient(DeviceKind kind)
    {
        // The R-operator product that AdaHessian's Hutchinson estimate averages, exact (no sampling): H v against
        // (g(theta + h v) - g(theta - h v)) / 2h. PPO's ratio couples the 3 action dims, so a diagonal-only loss step fails.
        var spec = new NetworkSpec(LayerSpec.Linear(3, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 3));
        using var net = new Network(Devices.Get(kind), spec, seed: 6);
        int n = 4, d = 3;
        var r = new Random(12);
        var (x, loss) = RandomPpoBatch(net, n, d, r);
        var direction = spec.Parameters.Select(p => Enumerable.Range(0, p.Length).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray()).ToArray();

        using var estimator = new CurvatureEstimator(net);
        var hv = estimator.HessianVectorProduct(x, n, loss, direction);
        var theta = spec.Parameters.Select(p => net.GetParameter(p.Index)).ToArray();
        float[][] GradientAt(double step)
        {
            foreach (var p in spec.Parameters)
                net.SetParameter(p.Index, theta[p.Index].Select((t, i) => (float)(t + step * direction[p.Index][i])).ToArray());
            var result = net.Backward(x, n, loss);
            return spec.Parameters.Select(p => result.Gradient(p.Index)).ToArray();
        }
        const double h = 1e-2;
        var plus = GradientAt(h);
        var minus = GradientAt(-h);
        foreach (var p in spec.Parameters)
        {
            var fd = plus[p.Index].Select((g, i) => (g - minus[p.Index][i]) / (2 * h)).ToArray();
            double scale = fd.Max(Math.Abs);
            Assert.IsGreaterThan(1e-3, scale, $"tensor {p.Index}: a non-trivial product");
            for (int i = 0; i < fd.Length; i++)
                Assert.AreEqual(fd[i], hv[p.Index][i], 2e-3 * scale, $"tensor {p.Index} (H v)[{i}]");
        }
    }

    [TestMethod]
    [DataRow(DeviceKind.Cpu)]
    [DataRow(DeviceKind.IlgpuCpu)]
    public void Hutchinson_OnAnRlLoss_EstimatesTheExactParameterHessianDiagonal(DeviceKind kind)
    {
        // Linear(3,4)-Tanh-Linear(4,2) with PPO's Gaussian mean loss (outputs coupled through the ratio), 5 samples, all unclipped.
        var spec = new NetworkSpec(LayerSpec.Linear(3, 4), LayerSpec.Tanh(), LayerSpec.Linear(4, 2));
        using var net = new Network(Devices.Get(kind), spec, seed: 4);
        int n = 5, d = 2;
        var r = new Random(8);
        var (x, loss) = RandomPpoBatch(net, n, d, r);

        using var estimator = new CurvatureEstimator(net);
        var estimate = estimator.Estimate(x, n, loss, CurvatureMethod.Hutchinson, samples: 4096, seed: 3);
        var diagonals = spec.Parameters.Select(p => estimate.Diagonal(p.Index)).ToArray();
        const float h = 1e-2f;
        foreach (var p in spec.Parameters)
        {
            // Per tensor: the first layer's entries depend on the output Hessian's off-diagonal (ratio) terms.
            double worst = 0, scale = 0;
            var theta = net.GetParameter(p.Index);
            for (int i = 0; i < theta.Length; i++)
            {
                float[] Gradient(float delta)
                {
                    var moved = (float[])theta.Clone();
                    moved[i] += delta;
                    net.SetParameter(p.Index, moved);
                    return net.Backward(x, n, loss).Gradient(p.Index);
                }
                double exact = (Gradient(h)[i] - Gradient(-h)[i]) / (2.0 * h);
                net.SetParameter(p.Index, theta);
                worst = Math.Max(worst, Math.Abs(exact - diagonals[p.Index][i]));
                scale = Math.Max(scale, Math.Abs(exact));
            }
            Assert.IsGreaterThan(1e-4, scale, $"tensor {p.Index}: a non-trivial Hessian");
            // Hutchinson's own noise at 4096 samples reaches ~16% of a tensor's largest entry here (off-diagonal Hessian
            // entries); this checks the estimate end to end, the exact product is checked in HessianVectorProduct_OnAnRlLoss_*.
            Assert.IsLessThan(0.25 * scale, worst, $"tensor {p.Index}: Hutchinson (4096 samples) vs the exact diagonal: worst error {worst:G3} of max |diag| {scale:G3}");
        }
    }

    /// <summary>
    /// A batch of <paramref name="n"/> random 3-input states x (n, 3) and PPO's Gaussian mean loss over <paramref name="d"/>
    /// action dims, with old log-densities from the network's current means (ratio 1: every sample unclipped).
    /// </summary>
    private static (float[] X, PpoGaussianMeanLoss Loss) RandomPpoBatch(Network net, int n, int d, Random r)
    {
        var x = Enumerable.Range(0, n * 3).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var a = Enumerable.Range(0, n * d).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        var v = Enumerable.Range(0, n * d).Select(_ => (float)(0.3 + r.NextDouble())).ToArray();
        var adv = Enumerable.Range(0, n).Select(i => (float)(i % 2 == 0 ? 1.3 : -0.7)).ToArray();
        var mu = net.Forward(x, n);
        var old = new float[n];
        for (int s = 0; s < n; s++)
            for (int j = 0; j < d; j++) old[s] += (float)PolicyMath.GaussianLogDensity(a[s * d + j], mu[s * d + j], v[s * d + j]);
        var loss = new PpoGaussianMeanLoss(d, a, v, old, adv, 0.2f);
        return (x, loss);
    }
}
