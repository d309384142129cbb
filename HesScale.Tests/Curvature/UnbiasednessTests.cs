using HesScale.Gpu;
using HesScale.Gpu.Curvature;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Curvature;

/// <summary>
/// The stochastic estimators' means over many seeds against their targets, with a tolerance from
/// the sample variance: every element within 5 standard errors (plus float rounding). With ~100
/// elements a correct estimator fails by chance with probability ~1e-4; the same test against the
/// wrong target must fail, which shows it has the power to.
/// </summary>
[TestClass]
public sealed class UnbiasednessTests
{
    private const int Draws = 3000;

    [TestMethod]
    [DataRow(LossKind.CrossEntropy)]
    [DataRow(LossKind.MeanSquaredError)]
    public void Hutchinson_mean_approaches_exact(LossKind loss)
    {
        var c = Case(loss, batch: 3);
        var reference = c.Reference();
        var exact = CurvatureCases.Flatten(reference.ExactDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss));
        var ggn = CurvatureCases.Flatten(reference.GgnDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss));
        var (mean, se) = Sample(c, CurvatureMethod.Hutchinson);
        AssertWithin(mean, se, exact, "hutchinson vs exact");
        Assert.IsGreaterThan(5.0, MaxZ(mean, se, ggn, exact), "the test cannot tell exact from ggn: choose a case with larger residuals");
    }

    [TestMethod]
    [DataRow(LossKind.CrossEntropy)]
    [DataRow(LossKind.MeanSquaredError)]
    public void Ggn_mc_mean_approaches_ggn(LossKind loss)
    {
        var c = Case(loss, batch: 3);
        var reference = c.Reference();
        var exact = CurvatureCases.Flatten(reference.ExactDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss));
        var ggn = CurvatureCases.Flatten(reference.GgnDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss));
        var (mean, se) = Sample(c, CurvatureMethod.GgnMc);
        AssertWithin(mean, se, ggn, "ggn_mc vs ggn");
        Assert.IsGreaterThan(5.0, MaxZ(mean, se, exact, ggn), "the test cannot tell ggn from exact");
    }

    [TestMethod]
    public void Kfac_at_batch_one_is_unbiased_for_ggn()
    {
        var c = Case(LossKind.CrossEntropy, batch: 1);
        var ggn = CurvatureCases.Flatten(c.Reference().GgnDiagonal(c.InputsD, c.Batch, c.ReferenceTargets, c.Loss));
        var (mean, se) = Sample(c, CurvatureMethod.Kfac);
        AssertWithin(mean, se, ggn, "kfac (batch 1) vs ggn");
    }

    private static RandomCase Case(LossKind loss, int batch) =>
        RandomCase.Create(77, 7, 1, hidden: 2, activation: LayerKind.Tanh, loss: new LossSpec(loss), batchSize: batch);

    /// <summary>Mean and standard error per element over <see cref="Draws"/> single-sample estimates with seeds 0, 1, ...</summary>
    private static (double[] Mean, double[] StandardError) Sample(RandomCase c, CurvatureMethod kind)
    {
        using var network = CurvatureCases.NetworkFor(c, Devices.Native);
        using var estimator = new CurvatureEstimator(network);
        int p = c.Spec.ParameterCount;
        var sum = new double[p];
        var sumSq = new double[p];
        for (int s = 0; s < Draws; s++)
        {
            var e = estimator.Estimate(c.Inputs, c.Batch, c.Targets, c.Loss, kind, samples: 1, seed: (ulong)s);
            var flat = CurvatureCases.Flatten(CurvatureCases.Diagonals(e, c.Spec));
            for (int i = 0; i < p; i++)
            {
                sum[i] += flat[i];
                sumSq[i] += (double)flat[i] * flat[i];
            }
        }
        var mean = sum.Select(v => v / Draws).ToArray();
        var se = mean.Select((m, i) => Math.Sqrt(Math.Max(0, sumSq[i] / Draws - m * m) * Draws / (Draws - 1) / Draws)).ToArray();
        return (mean, se);
    }

    /// <summary>Largest |mean - target| / tolerance over elements; tolerance = 5 standard errors plus float rounding.</summary>
    private static double MaxZ(double[] mean, double[] se, double[] target, double[] scaleOf)
    {
        double rounding = 1e-5 * scaleOf.Max(Math.Abs);
        return mean.Select((m, i) => Math.Abs(m - target[i]) / (se[i] + rounding / 5)).Max();
    }

    private static void AssertWithin(double[] mean, double[] se, double[] target, string what)
    {
        double rounding = 1e-5 * target.Max(Math.Abs);
        for (int i = 0; i < mean.Length; i++)
            Assert.IsLessThanOrEqualTo(5 * se[i] + rounding, Math.Abs(mean[i] - target[i]), $"{what}: element {i}, mean {mean[i]}, target {target[i]}, standard error {se[i]}");
    }
}
