using HesScale.Gpu;
using static HesScale.Tests.Reference.RandomNetworks;

namespace HesScale.Tests.Reference;

/// <summary>The reference gradient against central finite differences of the reference loss.</summary>
[TestClass]
public sealed class ReferenceGradientTests
{
    [TestMethod]
    [DynamicData(nameof(ActivationsAndLosses), typeof(RandomNetworks))]
    public void Gradient_MatchesCentralDifferencesOfLoss(LayerKind activation, LossKind kind, Reduction reduction)
    {
        var p = Create(activation, new LossSpec(kind, reduction), seed: 11 + (int)activation);
        const double step = 1e-6;
        var gradient = Flatten(p.Gradient());
        var fd = new double[gradient.Length];
        for (int j = 0; j < fd.Length; j++)
        {
            var (t, e) = Locate(p.Parameters, j);
            var plus = Copy(p.Parameters);
            var minus = Copy(p.Parameters);
            plus[t][e] += step;
            minus[t][e] -= step;
            fd[j] = (p.LossAt(plus) - p.LossAt(minus)) / (2 * step);
        }
        AssertClose(fd, gradient, 1e-7, $"{activation} {kind} {reduction}");
    }

    [TestMethod]
    public void Loss_MatchesHandComputedValues()
    {
        // One Linear layer 2 -> 2, W = [[1, 2], [3, 4]], b = [0.5, -0.5], x = [1, -1]: y = [-0.5, -1.5].
        var spec = new NetworkSpec(LayerSpec.Linear(2, 2));
        var net = new HesScale.Reference.ReferenceNetwork(spec, [[1, 2, 3, 4], [0.5, -0.5]]);
        double[] x = [1, -1];
        CollectionAssert.AreEqual(new[] { -0.5, -1.5 }, net.Forward(x, 1));
        var t = HesScale.Reference.ReferenceTargets.FromValues([0.5, 0.5]);
        Assert.AreEqual((1.0 + 4.0) / 2, net.Loss(x, 1, t, LossSpec.Mse()), 1e-15);
        Assert.AreEqual(1.0 + 4.0, net.Loss(x, 1, t, LossSpec.Mse(Reduction.Sum)), 1e-15);
        // CE with class 1: log(e^-0.5 + e^-1.5) + 1.5 = log(1 + e) - 1 + 1.5 ... computed directly.
        double ce = Math.Log(Math.Exp(-0.5) + Math.Exp(-1.5)) + 1.5;
        Assert.AreEqual(ce, net.Loss(x, 1, HesScale.Reference.ReferenceTargets.FromClasses([1]), LossSpec.CrossEntropy()), 1e-15);
    }
}
