using HesScale.Gpu;
using HesScale.Reference;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reference;

/// <summary>s' and s'' against finite differences of s, and the PyTorch conventions at kinks.</summary>
[TestClass]
public sealed class ReferenceActivationDerivativeTests
{
    [TestMethod]
    [DynamicData(nameof(RandomCase.ActivationRows), typeof(RandomCase))]
    public void Derivatives_MatchFiniteDifferences(LayerKind kind)
    {
        const double slope = 0.1, h = 1e-5;
        foreach (double a in new[] { -25.0, -3.0, -0.7, -0.01, 0.02, 0.4, 2.5, 19.0, 30.0 })
        {
            double d1 = (ActivationDerivatives.Value(kind, slope, a + h) - ActivationDerivatives.Value(kind, slope, a - h)) / (2 * h);
            double d2 = (ActivationDerivatives.First(kind, slope, a + h) - ActivationDerivatives.First(kind, slope, a - h)) / (2 * h);
            Assert.AreEqual(d1, ActivationDerivatives.First(kind, slope, a), 1e-8 * Math.Max(1, Math.Abs(d1)), $"{kind}' at {a}");
            Assert.AreEqual(d2, ActivationDerivatives.Second(kind, slope, a), 1e-8 * Math.Max(1, Math.Abs(d2)), $"{kind}'' at {a}");
        }
    }

    [TestMethod]
    public void Kinks_FollowPyTorch()
    {
        Assert.AreEqual(0.0, ActivationDerivatives.First(LayerKind.ReLU, 0, 0.0));
        Assert.AreEqual(0.25, ActivationDerivatives.First(LayerKind.LeakyReLU, 0.25, 0.0));
        Assert.AreEqual(1.0, ActivationDerivatives.First(LayerKind.ELU, 0, 0.0));
        Assert.AreEqual(1.0, ActivationDerivatives.Second(LayerKind.ELU, 0, 0.0));
        Assert.AreEqual(0.0, ActivationDerivatives.Second(LayerKind.ELU, 0, 1e-9));
        Assert.AreEqual(ActivationDerivatives.SeluScale * ActivationDerivatives.SeluAlpha, ActivationDerivatives.First(LayerKind.SELU, 0, 0.0), 1e-15);
        Assert.AreEqual(21.0, ActivationDerivatives.Value(LayerKind.Softplus, 0, 21.0));
        Assert.AreEqual(0.0, ActivationDerivatives.Second(LayerKind.Softplus, 0, 21.0));
        Assert.AreEqual(0.01, ActivationDerivatives.Slope(LayerSpec.LeakyReLU(0.01f)));
    }
}
