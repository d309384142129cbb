using HesScale.Gpu;
using static HesScale.Tests.Reference.RandomNetworks;

namespace HesScale.Tests.Reference;

/// <summary>The R-operator Hessian-vector product and the full Hessian against finite differences.</summary>
[TestClass]
public sealed class ReferenceHessianTests
{
    [TestMethod]
    [DynamicData(nameof(ActivationsAndLosses), typeof(RandomNetworks))]
    public void HessianVectorProduct_MatchesCentralDifferencesOfGradient(LayerKind activation, LossKind kind, Reduction reduction)
    {
        var p = Create(activation, new LossSpec(kind, reduction), seed: 23 + (int)activation);
        var v = Parameters(p.Net.Spec, new Random(5), 1.0);
        const double step = 1e-5;
        var hv = Flatten(p.Net.HessianVectorProduct(p.Inputs, p.Batch, p.Targets, p.Loss, v));
        var plus = Flatten(p.GradientAt(AddScaled(p.Parameters, step, v)));
        var minus = Flatten(p.GradientAt(AddScaled(p.Parameters, -step, v)));
        var fd = plus.Select((x, i) => (x - minus[i]) / (2 * step)).ToArray();
        AssertClose(fd, hv, 1e-6, $"{activation} {kind} {reduction}");
    }

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLossKinds), typeof(RandomNetworks))]
    public void FullHessian_IsSymmetricAndLinearInV(LayerKind activation, LossKind kind)
    {
        var p = Create(activation, new LossSpec(kind), seed: 31 + (int)activation);
        var h = p.Net.FullHessian(p.Inputs, p.Batch, p.Targets, p.Loss);
        Assert.AreEqual(p.Net.Spec.ParameterCount, h.RowCount);
        double scale = h.FrobeniusNorm();
        Assert.IsGreaterThan(0.0, scale);
        Assert.IsLessThanOrEqualTo(1e-13 * scale, (h - h.Transpose()).FrobeniusNorm(), "H - H^T");

        var v = Parameters(p.Net.Spec, new Random(7), 1.0);
        var hv = h * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.DenseOfArray(Flatten(v));
        AssertClose(hv.ToArray(), Flatten(p.Net.HessianVectorProduct(p.Inputs, p.Batch, p.Targets, p.Loss, v)), 1e-12, "H v");
        AssertClose(h.Diagonal().ToArray(), Flatten(p.Exact()), 1e-14, "ExactDiagonal vs diag(FullHessian)");
    }

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLossKinds), typeof(RandomNetworks))]
    public void FullHessianDiagonal_MatchesSecondDifferencesOfLoss(LayerKind activation, LossKind kind)
    {
        var p = Create(activation, new LossSpec(kind), seed: 41 + (int)activation, widths: [3, 5, 3], margin: 2e-2);
        var diag = p.Net.FullHessian(p.Inputs, p.Batch, p.Targets, p.Loss).Diagonal().ToArray();
        const double step = 1e-4;
        double l0 = p.LossAt(p.Parameters);
        var fd = new double[diag.Length];
        for (int j = 0; j < fd.Length; j++)
        {
            var (t, e) = Locate(p.Parameters, j);
            var plus = Copy(p.Parameters);
            var minus = Copy(p.Parameters);
            plus[t][e] += step;
            minus[t][e] -= step;
            fd[j] = (p.LossAt(plus) - 2 * l0 + p.LossAt(minus)) / (step * step);
        }
        AssertClose(fd, diag, 1e-5, $"{activation} {kind}");
    }
}
