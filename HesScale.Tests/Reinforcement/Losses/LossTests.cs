using HesScale.Gpu;
using HesScale.Gpu.Reinforcement;
using HesScale.Reference.Reinforcement;

namespace HesScale.Tests.Reinforcement.Losses;

/// <summary>
/// Every RL loss's value, gradient and Hessian diagonal (float, HesScale.Gpu) against the exact
/// derivatives of the same loss written independently over hyper-dual numbers (double, HesScale.Reference),
/// on odd shapes, batch 1 included, with negative advantages and PPO's clipped region.
/// </summary>
[TestClass]
public sealed class LossTests
{
    private const float MinVar = 0.05f, Eps = 0.2f;

    private static float[] Uniform(Random r, int n, double lo, double hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * r.NextDouble())).ToArray();

    /// <summary>Advantages of both signs, never tiny (so a sign error always shows).</summary>
    private static float[] Advantages(Random r, int n) => Enumerable.Range(0, n).Select(i => (float)((i % 2 == 0 ? 1 : -1) * (0.3 + 2 * r.NextDouble()))).ToArray();

    private static double[] D(float[] v) => v.Select(x => (double)x).ToArray();

    private static void Compare(IOutputLoss loss, Func<HyperDual[], HyperDual> reference, float[] outputs, int batch, int width)
    {
        var g = new float[outputs.Length];
        var h = new float[outputs.Length];
        double value = loss.Evaluate(outputs, batch, width, g, h);
        var (rv, rg, rh) = RlLossReference.Derivatives(reference, D(outputs));
        Assert.AreEqual(rv, value, 1e-9 + 1e-9 * Math.Abs(rv), "loss value");
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.AreEqual(rg[i], g[i], 1e-6 + 1e-5 * Math.Abs(rg[i]), $"gradient[{i / width}, {i % width}]");
            Assert.AreEqual(rh[i], h[i], 1e-6 + 1e-5 * Math.Abs(rh[i]), $"diagonal[{i / width}, {i % width}]");
        }
    }

    [TestMethod]
    [DataRow(1, 2)]
    [DataRow(7, 3)]
    [DataRow(13, 5)]
    public void PolicyGradient_MatchesReference(int n, int k)
    {
        var r = new Random(n * 31 + k);
        var z = Uniform(r, n * k, -2, 2);
        var actions = Enumerable.Range(0, n).Select(_ => r.Next(k)).ToArray();
        var adv = Advantages(r, n);
        Compare(new PolicyGradientLoss(k, actions, adv), RlLossReference.PolicyGradient(k, actions, D(adv)), z, n, k);
    }

    [TestMethod]
    public void PolicyGradient_DiagonalIsNegativeForNegativeAdvantage()
    {
        var loss = new PolicyGradientLoss(3, [1], [-2f]);
        var g = new float[3];
        var h = new float[3];
        loss.Evaluate([0.1f, -0.4f, 0.7f], 1, 3, g, h);
        foreach (float v in h) Assert.IsLessThanOrEqualTo(-1e-3f, v);
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(5, 3)]
    public void GaussianMean_MatchesReference(int n, int d)
    {
        var r = new Random(n * 17 + d);
        var mu = Uniform(r, n * d, -1.5, 1.5);
        var a = Uniform(r, n * d, -2, 2);
        var v = Uniform(r, n * d, 0.1, 2);
        var adv = Advantages(r, n);
        Compare(new GaussianMeanLoss(d, a, v, adv), RlLossReference.GaussianMean(d, D(a), D(v), D(adv)), mu, n, d);
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(5, 3)]
    public void GaussianVariance_MatchesReference_ThroughSoftplus(int n, int d)
    {
        var r = new Random(n * 13 + d);
        var z = Uniform(r, n * d, -3, 2);
        var a = Uniform(r, n * d, -2, 2);
        var mu = Uniform(r, n * d, -1, 1);
        var adv = Advantages(r, n);
        Compare(new GaussianVarianceLoss(d, a, mu, adv, MinVar), RlLossReference.GaussianVariance(d, D(a), D(mu), D(adv), MinVar), z, n, d);
    }

    [TestMethod]
    [DataRow(1, 2)]
    [DataRow(9, 3)]
    [DataRow(15, 5)]
    public void PpoCategorical_MatchesReference_InsideAndInClippedRegion(int n, int k)
    {
        var r = new Random(n * 7 + k);
        var z = Uniform(r, n * k, -2, 2);
        var actions = Enumerable.Range(0, n).Select(_ => r.Next(k)).ToArray();
        var adv = Advantages(r, n);
        // Old log-probabilities shifted so that ratios spread over about [0.5, 1.6]: some samples clipped, some not.
        var old = new float[n];
        for (int s = 0; s < n; s++)
            old[s] = (float)(PolicyMath.LogProbability(z.AsSpan(s * k, k), actions[s]) - Math.Log(0.5 + 1.1 * ((s * 0.37) % 1.0)));
        var loss = new PpoCategoricalLoss(k, actions, old, adv, Eps);
        Compare(loss, RlLossReference.PpoCategorical(k, actions, D(old), D(adv), Eps), z, n, k);
        if (n > 1) Assert.IsTrue(loss.ClippedFraction > 0 && loss.ClippedFraction < 1, $"clipped fraction {loss.ClippedFraction} should be strictly between 0 and 1");
    }

    [TestMethod]
    [DataRow(1.5, 1.0, true)]    // A > 0, r > 1 + e: clipped
    [DataRow(1.5, -1.0, false)]  // A < 0, r > 1 + e: unclipped (pessimistic bound keeps r A)
    [DataRow(0.5, -1.0, true)]   // A < 0, r < 1 - e: clipped
    [DataRow(0.5, 1.0, false)]   // A > 0, r < 1 - e: unclipped
    [DataRow(1.1, 1.0, false)]
    public void PpoCategorical_ClippedTermHasZeroDerivatives(double ratio, double advantage, bool clipped)
    {
        float[] z = [0.3f, -0.2f, 0.5f];
        float old = (float)(PolicyMath.LogProbability(z, 2) - Math.Log(ratio));
        var loss = new PpoCategoricalLoss(3, [2], [old], [(float)advantage], Eps);
        var g = new float[3];
        var h = new float[3];
        double value = loss.Evaluate(z, 1, 3, g, h);
        Assert.AreEqual(clipped, g.All(v => v == 0) && h.All(v => v == 0));
        double expected = -Math.Min(ratio * advantage, Math.Clamp(ratio, 1 - Eps, 1 + Eps) * advantage);
        Assert.AreEqual(expected, value, 1e-5);
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(9, 3)]
    public void PpoGaussianMean_MatchesReference(int n, int d)
    {
        var r = new Random(n * 11 + d);
        var mu = Uniform(r, n * d, -1, 1);
        var a = Uniform(r, n * d, -1.5, 1.5);
        var v = Uniform(r, n * d, 0.2, 1.5);
        var adv = Advantages(r, n);
        var old = OldLogProbabilities(n, d, a, mu, v);
        Compare(new PpoGaussianMeanLoss(d, a, v, old, adv, Eps), RlLossReference.PpoGaussianMean(d, D(a), D(v), D(old), D(adv), Eps), mu, n, d);
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(7, 1)]
    [DataRow(9, 3)]
    public void PpoGaussianVariance_MatchesReference_ThroughSoftplus(int n, int d)
    {
        var r = new Random(n * 5 + d);
        var z = Uniform(r, n * d, -2, 1);
        var a = Uniform(r, n * d, -1.5, 1.5);
        var mu = Uniform(r, n * d, -1, 1);
        var v = z.Select(x => (float)PolicyMath.Variance(x, MinVar)).ToArray();
        var adv = Advantages(r, n);
        var old = OldLogProbabilities(n, d, a, mu, v);
        Compare(new PpoGaussianVarianceLoss(d, a, mu, old, adv, Eps, MinVar), RlLossReference.PpoGaussianVariance(d, D(a), D(mu), D(old), D(adv), Eps, MinVar), z, n, d);
    }

    /// <summary>Current log-density minus log of a ratio spread over [0.5, 1.6] (clipped and unclipped samples).</summary>
    internal static float[] OldLogProbabilities(int n, int d, float[] a, float[] mu, float[] v)
    {
        var old = new float[n];
        for (int s = 0; s < n; s++)
        {
            double lp = 0;
            for (int j = 0; j < d; j++) lp += PolicyMath.GaussianLogDensity(a[s * d + j], mu[s * d + j], v[s * d + j]);
            old[s] = (float)(lp - Math.Log(0.5 + 1.1 * ((s * 0.37) % 1.0)));
        }
        return old;
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(11)]
    public void Mse_MatchesReference(int n)
    {
        var r = new Random(n);
        var v = Uniform(r, n, -3, 3);
        var t = Uniform(r, n, -3, 3);
        Compare(new MseLoss(t), RlLossReference.Mse(D(t)), v, n, 1);
    }

    [TestMethod]
    public void Reference_HyperDualAgreesWithFiniteDifferences()
    {
        // Checks the reference itself: central differences of its own loss value.
        var r = new Random(5);
        int n = 3, d = 2;
        var z = Enumerable.Range(0, n * d).Select(_ => -1 + 2 * r.NextDouble()).ToArray();
        double[] a = [0.3, -0.7, 1.1, 0.2, -0.4, 0.9], mu = [0.1, 0.2, -0.3, 0.5, 0.0, -0.6], adv = [1.5, -0.8, 0.6];
        var f = RlLossReference.GaussianVariance(d, a, mu, adv, 0.05);
        var (_, g, h) = RlLossReference.Derivatives(f, z);
        double Value(double[] x) => RlLossReference.Derivatives(f, x).Loss;
        const double step = 1e-4;
        for (int i = 0; i < z.Length; i++)
        {
            var plus = (double[])z.Clone();
            var minus = (double[])z.Clone();
            plus[i] += step;
            minus[i] -= step;
            double f0 = Value(z), fp = Value(plus), fm = Value(minus);
            Assert.AreEqual((fp - fm) / (2 * step), g[i], 1e-7);
            Assert.AreEqual((fp - 2 * f0 + fm) / (step * step), h[i], 1e-5);
        }
    }

    [TestMethod]
    public void BadInput_IsNamed()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PolicyGradientLoss(3, [3], [1f]));
        Assert.ThrowsExactly<ArgumentException>(() => new PolicyGradientLoss(3, [1, 2], [1f]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GaussianMeanLoss(1, [0f], [0f], [1f]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PpoCategoricalLoss(2, [0], [0f], [1f], 1.5f));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GaussianVarianceLoss(1, [0f], [0f], [1f], 0f));
        var e = Assert.ThrowsExactly<ArgumentException>(() => new MseLoss([float.NaN]));
        StringAssert.Contains(e.Message, "targets");
        var loss = new MseLoss([1f, 2f]);
        Assert.ThrowsExactly<ArgumentException>(() => loss.Evaluate(new float[4], 2, 2, new float[4], new float[4]));
    }
}
