using HesScale.Bench.Reinforcement.Agents;
using HesScale.Gpu;
using HesScale.Gpu.Reinforcement;
using HesScale.Reference.Reinforcement;

namespace HesScale.Tests.Reinforcement.Losses;

/// <summary>
/// The official RL setup's loss-side pieces against the hyper-dual reference: the exp variance head,
/// the official Hessian sign (which part it negates, exactly), the exact output-Hessian products that
/// AdaHessian's Hutchinson estimate uses, the presets and the orthogonal initialisation.
/// </summary>
[TestClass]
public sealed class OfficialLossTests
{
    private const float Eps = 0.2f, Floor = 1e-6f;

    private static float[] Uniform(Random r, int n, double lo, double hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray();

    private static float[] Advantages(Random r, int n) => Enumerable.Range(0, n).Select(i => (float)((i % 2 == 0 ? 1 : -1) * (0.3 + 2 * r.NextDouble()))).ToArray();

    private static double[] D(float[] v) => v.Select(x => (double)x).ToArray();

    private static (float[] G, float[] H) Eval(IOutputLoss loss, float[] outputs, int n, int d)
    {
        var g = new float[outputs.Length];
        var h = new float[outputs.Length];
        loss.Evaluate(outputs, n, d, g, h);
        return (g, h);
    }

    private static void Close(double expected, double actual, string what) => Assert.AreEqual(expected, actual, 1e-6 + 1e-5 * Math.Abs(expected), what);

    private sealed record Case(int N, int D, float[] A, float[] Mu, float[] Z, float[] V, float[] Adv, float[] Old);

    private static Case Make(int n, int d, int seed)
    {
        var r = new Random(seed);
        var z = Uniform(r, n * d, -2, 1);
        var a = Uniform(r, n * d, -1.5, 1.5);
        var mu = Uniform(r, n * d, -1, 1);
        var v = z.Select(x => (float)Math.Exp(x)).ToArray();
        var adv = Advantages(r, n);
        return new Case(n, d, a, mu, z, v, adv, LossTests.OldLogProbabilities(n, d, a, mu, v));
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(5, 3)]
    public void GaussianVariance_MatchesReference_ThroughExp(int n, int d)
    {
        var c = Make(n, d, 3 * n + d);
        var (g, h) = Eval(new GaussianVarianceLoss(d, c.A, c.Mu, c.Adv, VarianceTransform.Exp(Floor), HessianSign.True), c.Z, n, d);
        var (_, rg, rh) = RlLossReference.Derivatives(RlLossReference.GaussianVariance(d, D(c.A), D(c.Mu), D(c.Adv), RlLossReference.ExpVariance), D(c.Z));
        for (int i = 0; i < g.Length; i++)
        {
            Close(rg[i], g[i], $"gradient {i}");
            Close(rh[i], h[i], $"diagonal {i}");
        }
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(9, 3)]
    public void PpoGaussianVariance_MatchesReference_ThroughExp(int n, int d)
    {
        var c = Make(n, d, 7 * n + d);
        var loss = new PpoGaussianVarianceLoss(d, c.A, c.Mu, c.Old, c.Adv, Eps, VarianceTransform.Exp(Floor), HessianSign.True);
        var (g, h) = Eval(loss, c.Z, n, d);
        var (_, rg, rh) = RlLossReference.Derivatives(
            RlLossReference.PpoGaussianVariance(d, D(c.A), D(c.Mu), D(c.Old), D(c.Adv), Eps, RlLossReference.ExpVariance), D(c.Z));
        for (int i = 0; i < g.Length; i++)
        {
            Close(rg[i], g[i], $"gradient {i}");
            Close(rh[i], h[i], $"diagonal {i}");
        }
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(9, 3)]
    public void OfficialSign_NegatesTheMeanDiagonal_AndNothingElse(int n, int d)
    {
        var c = Make(n, d, 11 * n + d);
        IOutputLoss[] truth = [new GaussianMeanLoss(d, c.A, c.V, c.Adv, HessianSign.True), new PpoGaussianMeanLoss(d, c.A, c.V, c.Old, c.Adv, Eps, HessianSign.True)];
        IOutputLoss[] official = [new GaussianMeanLoss(d, c.A, c.V, c.Adv, HessianSign.Official), new PpoGaussianMeanLoss(d, c.A, c.V, c.Old, c.Adv, Eps, HessianSign.Official)];
        for (int k = 0; k < truth.Length; k++)
        {
            var (gt, ht) = Eval(truth[k], c.Mu, n, d);
            var (go, ho) = Eval(official[k], c.Mu, n, d);
            CollectionAssert.AreEqual(gt, go, $"loss {k}: the gradient does not depend on the sign option");
            Assert.IsTrue(ht.Any(x => x != 0), $"loss {k}: some diagonal entries are non-zero");
            for (int i = 0; i < ht.Length; i++) Assert.AreEqual(-ht[i], ho[i], $"loss {k}: diagonal {i} is exactly negated");
        }
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(9, 3)]
    public void OfficialSign_NegatesOnlyThePartInVar_NotTheExpChainTerm(int n, int d)
    {
        // With L_v, L_vv the reference derivatives in var (variance taken as the output itself) at var = e^z:
        // true diagonal = L_vv e^2z + L_v e^z; official = -L_vv e^2z + L_v e^z (HesScale's exp activation adds L_v f'').
        var c = Make(n, d, 13 * n + d);
        (IOutputLoss True, IOutputLoss Official, Func<HyperDual[], HyperDual> InVar)[] losses =
        [
            (new GaussianVarianceLoss(d, c.A, c.Mu, c.Adv, VarianceTransform.Exp(Floor), HessianSign.True),
             new GaussianVarianceLoss(d, c.A, c.Mu, c.Adv, VarianceTransform.Exp(Floor), HessianSign.Official),
             RlLossReference.GaussianVariance(d, D(c.A), D(c.Mu), D(c.Adv), x => x)),
            (new PpoGaussianVarianceLoss(d, c.A, c.Mu, c.Old, c.Adv, Eps, VarianceTransform.Exp(Floor), HessianSign.True),
             new PpoGaussianVarianceLoss(d, c.A, c.Mu, c.Old, c.Adv, Eps, VarianceTransform.Exp(Floor), HessianSign.Official),
             RlLossReference.PpoGaussianVariance(d, D(c.A), D(c.Mu), D(c.Old), D(c.Adv), Eps, x => x)),
        ];
        var v = c.Z.Select(z => Math.Exp(z)).ToArray();
        foreach (var (truth, official, inVar) in losses)
        {
            var (gt, ht) = Eval(truth, c.Z, n, d);
            var (go, ho) = Eval(official, c.Z, n, d);
            var (_, lv, lvv) = RlLossReference.Derivatives(inVar, v);
            CollectionAssert.AreEqual(gt, go, "the gradient does not depend on the sign option");
            bool bothTerms = false;
            for (int i = 0; i < ht.Length; i++)
            {
                double quadratic = lvv[i] * v[i] * v[i], chain = lv[i] * v[i];
                Close(quadratic + chain, ht[i], $"true diagonal {i}");
                Close(-quadratic + chain, ho[i], $"official diagonal {i}");
                bothTerms |= Math.Abs(quadratic) > 1e-3 && Math.Abs(chain) > 1e-3;
            }
            Assert.IsTrue(bothTerms, "the case has entries where both terms matter, so negating the whole diagonal would fail");
        }
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 3)]
    public void A2cAverageOverActions_TrueIsTheReferenceOverND_OfficialDividesTheDiagonalByNOnly(int n, int d)
    {
        var c = Make(n, d, 19 * n + d);
        var mean = new GaussianMeanLoss(d, c.A, c.V, c.Adv, HessianSign.True, averageOverActions: true);
        var variance = new GaussianVarianceLoss(d, c.A, c.Mu, c.Adv, VarianceTransform.Exp(Floor), HessianSign.True, averageOverActions: true);
        var (gm, hm) = Eval(mean, c.Mu, n, d);
        var (gv, hv) = Eval(variance, c.Z, n, d);
        var (_, rgm, rhm) = RlLossReference.Derivatives(RlLossReference.GaussianMean(d, D(c.A), D(c.V), D(c.Adv)), D(c.Mu));
        var (_, rgv, rhv) = RlLossReference.Derivatives(RlLossReference.GaussianVariance(d, D(c.A), D(c.Mu), D(c.Adv), RlLossReference.ExpVariance), D(c.Z));
        for (int i = 0; i < gm.Length; i++)
        {
            Close(rgm[i] / d, gm[i], $"mean gradient {i}");
            Close(rhm[i] / d, hm[i], $"mean diagonal {i}");
            Close(rgv[i] / d, gv[i], $"variance gradient {i}");
            Close(rhv[i] / d, hv[i], $"variance diagonal {i}");
        }
        // Official (mujoco.md 4.6, without its eps' = 1e-6): mean -A/v/N; variance A (1/2 - (a-mu)^2/v)/v^2/N in var, then
        // HesScale's exp activation adds the (1/(N D)) gradient times e^z.
        var (_, ho) = Eval(new GaussianMeanLoss(d, c.A, c.V, c.Adv, HessianSign.Official, averageOverActions: true), c.Mu, n, d);
        var (_, hvo) = Eval(new GaussianVarianceLoss(d, c.A, c.Mu, c.Adv, VarianceTransform.Exp(Floor), HessianSign.Official, averageOverActions: true), c.Z, n, d);
        for (int s = 0; s < n; s++)
            for (int j = 0; j < d; j++)
            {
                int i = s * d + j;
                double adv = c.Adv[s], v = Math.Exp(c.Z[i]), diff = (double)c.A[i] - c.Mu[i];
                Close(-adv / c.V[i] / n, ho[i], $"official mean diagonal {i}");
                double inVar = adv * (0.5 - diff * diff / v) / (v * v) / n;
                double gradientInVar = adv / (n * d) * (1 / (2 * v) - diff * diff / (2 * v * v));
                Close(inVar * v * v + gradientInVar * v, hvo[i], $"official variance diagonal {i}");
            }
    }

    [TestMethod]
    public void ExpFloor_ClampsTheValue_ButPassesTheGradientThrough()
    {
        // e^-20 ~ 2e-9 < floor 1e-6: the density uses the floor, the chain rule e^z (the official clamp's gradient).
        float[] a = [0.3f], mu = [0.1f], adv = [2f], z = [-20f];
        var (g, h) = Eval(new GaussianVarianceLoss(1, a, mu, adv, VarianceTransform.Exp(Floor), HessianSign.True), z, 1, 1);
        double v = Floor, e = Math.Exp(-20), d2 = 0.2 * 0.2;
        double fv = 1 / (2 * v) - d2 / (2 * v * v), fvv = d2 / (v * v * v) - 1 / (2 * v * v);
        Close(2 * fv * e, g[0], "gradient");
        Close(2 * (fvv * e * e + fv * e), h[0], "diagonal");
        Assert.AreEqual(Floor, VarianceTransform.Exp(Floor).Value(-20), 1e-12);
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(9, 3)]
    public void OutputHessianProducts_MatchTheReferenceFullHessian(int n, int d)
    {
        var c = Make(n, d, 17 * n + d);
        var r = new Random(n + d);
        var dirG = Uniform(r, n * d, -1, 1);
        int k = d + 1; // categorical: K = d + 1 classes
        var logits = Uniform(r, n * k, -2, 2);
        var actions = Enumerable.Range(0, n).Select(i => i % k).ToArray();
        var oldCat = new float[n];
        for (int s = 0; s < n; s++) oldCat[s] = (float)(PolicyMath.LogProbability(logits.AsSpan(s * k, k), actions[s]) - Math.Log(0.5 + 1.1 * ((s * 0.37) % 1.0)));
        var dirC = Uniform(r, n * k, -1, 1);
        (IOutputHessianProduct Loss, Func<HyperDual[], HyperDual> Reference, float[] Outputs, float[] Direction, int Width)[] cases =
        [
            (new PpoGaussianMeanLoss(d, c.A, c.V, c.Old, c.Adv, Eps), RlLossReference.PpoGaussianMean(d, D(c.A), D(c.V), D(c.Old), D(c.Adv), Eps), c.Mu, dirG, d),
            (new PpoGaussianVarianceLoss(d, c.A, c.Mu, c.Old, c.Adv, Eps, VarianceTransform.Exp(Floor), HessianSign.Official),
             RlLossReference.PpoGaussianVariance(d, D(c.A), D(c.Mu), D(c.Old), D(c.Adv), Eps, RlLossReference.ExpVariance), c.Z, dirG, d),
            (new PpoCategoricalLoss(k, actions, oldCat, c.Adv, Eps), RlLossReference.PpoCategorical(k, actions, D(oldCat), D(c.Adv), Eps), logits, dirC, k),
            (new PolicyGradientLoss(k, actions, c.Adv), RlLossReference.PolicyGradient(k, actions, D(c.Adv)), logits, dirC, k),
        ];
        foreach (var (loss, reference, outputs, direction, width) in cases)
        {
            var hv = new float[outputs.Length];
            loss.HessianProduct(outputs, n, width, direction, hv);
            var expected = RlLossReference.HessianTimes(reference, D(outputs), D(direction));
            Assert.IsTrue(expected.Any(x => Math.Abs(x) > 1e-3), $"{loss.GetType().Name}: a non-trivial product");
            for (int i = 0; i < hv.Length; i++) Close(expected[i], hv[i], $"{loss.GetType().Name} (H v)[{i}] (true sign even where the diagonal's is official)");
        }
    }

    [TestMethod]
    public void OfficialPresets_HoldTheRecordedHyperParameters()
    {
        var ppo = AgentSettings.Official("pendulum", RlAlgorithm.Ppo);
        Assert.AreEqual((1, 2048, 32, 10), (ppo.Environments, ppo.RolloutSteps, ppo.Minibatches, ppo.Epochs));
        Assert.AreEqual((0.2f, 0.95f, 0.99f), (ppo.ClipEpsilon, ppo.Lambda, ppo.Gamma));
        Assert.IsTrue(ppo.NormalizeObservations && ppo.ScaleRewards && ppo.NormalizeAdvantages && ppo.ClipActions);
        Assert.AreEqual(10f, ppo.RewardClip);
        Assert.IsFalse(ppo.BootstrapTimeLimits, "gym 0.21 treats a time-out as terminal");
        Assert.AreEqual((VarianceKind.Exp, 1, InitializationScheme.Orthogonal, HessianSign.True), (ppo.VarianceTransform, ppo.VarianceHiddenLayers, ppo.Initialization, ppo.HessianSign));
        Assert.AreEqual((1e-5f, 1e-8f), (ppo.OptimizerSettings.Epsilon, ppo.OptimizerSettings.Delta));
        var a2c = AgentSettings.Official("pendulum", RlAlgorithm.A2C);
        Assert.AreEqual((1, 5, 1, 1, 1f), (a2c.Environments, a2c.RolloutSteps, a2c.Minibatches, a2c.Epochs, a2c.Lambda));
        Assert.IsFalse(a2c.NormalizeAdvantages);
        Assert.IsTrue(a2c.AverageOverActions && a2c.EndRolloutOnDone && a2c.TimeFeature);
        Assert.AreEqual((VarianceKind.Exp, 1e-6f, InitializationScheme.PyTorchDefault), (a2c.VarianceTransform, a2c.MinVariance, a2c.Initialization));
        Assert.AreEqual((1e-5f, 1e-8f), (AgentSettings.PpoDefaults("cartpole").OptimizerSettings.Epsilon, AgentSettings.PpoDefaults("cartpole").OptimizerSettings.Delta));
        Assert.ThrowsExactly<ArgumentException>(() => AgentSettings.Preset("cleanrl", "pendulum", RlAlgorithm.Ppo));
    }

    [TestMethod]
    public void TimeFeature_FollowsAddTimeInfo()
    {
        // Reset and first step show -0.5, step k shows -0.5 + (k - 1)/T (mujoco.md 4.3); A2C's official preset has it, PPO's not.
        Assert.AreEqual(-0.5, ActorCriticAgent.TimeFeatureValue(0, 1000));
        Assert.AreEqual(-0.5, ActorCriticAgent.TimeFeatureValue(1, 1000));
        Assert.AreEqual(-0.5 + 2 / 1000.0, ActorCriticAgent.TimeFeatureValue(3, 1000), 1e-15);
        Assert.AreEqual(-0.5 + 49 / 50.0, ActorCriticAgent.TimeFeatureValue(50, 50), 1e-15);
        Assert.IsTrue(AgentSettings.Official("pendulum", RlAlgorithm.A2C).TimeFeature);
        Assert.IsFalse(AgentSettings.Official("pendulum", RlAlgorithm.Ppo).TimeFeature);
    }

    [TestMethod]
    [DataRow(64, 3, 1.4142135)]
    [DataRow(3, 64, 0.01)]
    [DataRow(5, 5, 1.0)]
    public void OrthogonalMatrix_HasOrthonormalRowsOrColumns_TimesTheGain(int rows, int cols, double gain)
    {
        var w = NetworkInitialization.OrthogonalMatrix(rows, cols, gain, new Random(3));
        bool byRows = rows <= cols;
        int count = byRows ? rows : cols, length = byRows ? cols : rows;
        double At(int vector, int i) => byRows ? w[vector * cols + i] : w[i * cols + vector];
        for (int p = 0; p < count; p++)
            for (int q = 0; q <= p; q++)
            {
                double dot = 0;
                for (int i = 0; i < length; i++) dot += At(p, i) * At(q, i);
                Assert.AreEqual(p == q ? gain * gain : 0, dot, 1e-5 * gain * gain, $"({p}, {q})");
            }
    }
}
