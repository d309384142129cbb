using HesScale.Gpu;
using HesScale.Reference;
using static HesScale.Tests.Reference.RandomNetworks;
using HesScale.Tests.Engine;

namespace HesScale.Tests.Reference;

/// <summary>The exactness properties of method.md for the HesScale, HesScaleGN and BL89 recursions, in double.</summary>
[TestClass]
public sealed class ReferenceCurvatureTests
{
    private const double Tight = 1e-12;

    /// <summary>Indices of the last Linear layer's weight and bias tensors.</summary>
    private static int[] LastLayer(Problem p)
    {
        int last = p.Net.Spec.Layers.Count - 1;
        return p.Net.Spec.Parameters.Where(i => i.LayerIndex == last).Select(i => i.Index).ToArray();
    }

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLossKinds), typeof(RandomNetworks))]
    public void HesScale_LastLayerIsExact(LayerKind activation, LossKind kind)
    {
        var p = Create(activation, new LossSpec(kind), 71 + (int)activation);
        var hs = p.Curvature(CurvatureMethod.HesScale);
        var exact = p.Exact();
        foreach (int t in LastLayer(p)) AssertClose(exact[t], hs[t], Tight, $"tensor {t}");
    }

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLossKinds), typeof(RandomNetworks))]
    public void HesScaleGN_LastLayerEqualsGgn(LayerKind activation, LossKind kind)
    {
        var p = Create(activation, new LossSpec(kind), 81 + (int)activation);
        var gn = p.Curvature(CurvatureMethod.HesScaleGN);
        var ggn = p.Ggn();
        foreach (int t in LastLayer(p)) AssertClose(ggn[t], gn[t], Tight, $"tensor {t}");
    }

    [TestMethod]
    [DataRow(LossKind.MeanSquaredError, Reduction.Mean)]
    [DataRow(LossKind.MeanSquaredError, Reduction.Sum)]
    [DataRow(LossKind.CrossEntropy, Reduction.Mean)]
    [DataRow(LossKind.CrossEntropy, Reduction.Sum)]
    public void SingleLinearLayer_AllMethodsAreExact(LossKind kind, Reduction reduction)
    {
        var p = Create(null, new LossSpec(kind, reduction), 91, batch: 4, widths: [5, 3]);
        var exact = p.Exact();
        AssertClose(exact, p.Curvature(CurvatureMethod.HesScale), Tight, "HesScale");
        AssertClose(exact, p.Curvature(CurvatureMethod.HesScaleGN), Tight, "HesScaleGN");
        AssertClose(exact, p.Ggn(), Tight, "GGN");
    }

    [TestMethod]
    [DynamicData(nameof(RandomCase.ActivationRows), typeof(RandomCase))]
    public void Mse_OneHiddenLayer_HesScaleIsExact(LayerKind activation)
    {
        var p = Create(activation, LossSpec.Mse(), 101 + (int)activation, widths: [3, 5, 3]);
        AssertClose(p.Exact(), p.Curvature(CurvatureMethod.HesScale), Tight, $"{activation}");
    }

    [TestMethod]
    [DataRow(LossKind.MeanSquaredError)]
    [DataRow(LossKind.CrossEntropy)]
    public void HesScale_IsNotExactInGeneral(LossKind kind)
    {
        // Two tanh hidden layers (MSE) or one (CE): off-diagonal terms dropped inside the network matter.
        var p = Create(LayerKind.Tanh, new LossSpec(kind), 111, widths: kind == LossKind.CrossEntropy ? [3, 5, 3] : [3, 5, 7, 3]);
        var error = RelativeError(p.Curvature(CurvatureMethod.HesScale)[0], p.Exact()[0]);
        Assert.IsGreaterThan(1e-4, error, "the first layer's HesScale diagonal should be an approximation");
    }

    [TestMethod]
    [DataRow(LayerKind.Tanh)]
    [DataRow(LayerKind.ReLU)]
    [DataRow(LayerKind.ELU)]
    [DataRow(LayerKind.Softplus)]
    public void HesScaleGN_DropsOnlyTheSecondDerivativeTerm(LayerKind activation)
    {
        var p = Create(activation, LossSpec.CrossEntropy(), 121 + (int)activation);
        var gn = Flatten(p.Curvature(CurvatureMethod.HesScaleGN));
        Assert.IsTrue(gn.All(x => x >= 0), "HesScaleGN is non-negative for a convex loss");
        var hs = Flatten(p.Curvature(CurvatureMethod.HesScale));
        bool curved = activation is LayerKind.Tanh or LayerKind.ELU or LayerKind.Softplus;
        Assert.AreEqual(curved, RelativeError(gn, hs) > 1e-6, "HesScale and HesScaleGN differ exactly when s'' != 0");
    }

    [TestMethod]
    [DynamicData(nameof(ActivationsAndLossKinds), typeof(RandomNetworks))]
    public void Bl89_EqualsHesScale_ForMse_AndFollowsTheTargetClassFormula_ForCrossEntropy(LayerKind activation, LossKind kind)
    {
        var p = Create(activation, new LossSpec(kind, kind == LossKind.CrossEntropy ? Reduction.Mean : Reduction.Sum), 131 + (int)activation);
        var bl89 = p.Curvature(CurvatureMethod.BL89);
        var hs = p.Curvature(CurvatureMethod.HesScale);
        if (kind == LossKind.MeanSquaredError)
        {
            AssertClose(hs, bl89, 0.0, "BL89 vs HesScale (MSE)");
            return;
        }
        var last = LastLayer(p);
        Assert.IsGreaterThan(1e-3, RelativeError(bl89[last[0]], hs[last[0]]), "BL89 differs from HesScale at the last layer for CE");

        // d[n,c] = (p_c - p_c^2) / M for c = t_n only; dW[o,i] = sum_n d[n,o] h[n,i]^2, db[o] = sum_n d[n,o].
        var h = LastLayerInput(p);
        var y = p.Net.Forward(p.Inputs, p.Batch);
        int k = p.Net.Spec.OutputSize, width = h.Length / p.Batch;
        double m = p.Loss.Divisor(p.Batch, k);
        var dw = new double[k * width];
        var db = new double[k];
        for (int n = 0; n < p.Batch; n++)
        {
            int c = p.Targets.Classes![n];
            var row = y.Skip(n * k).Take(k).Select(Math.Exp).ToArray();
            double pc = row[c] / row.Sum();
            double d = (pc - pc * pc) / m;
            db[c] += d;
            for (int i = 0; i < width; i++) dw[c * width + i] += d * h[n * width + i] * h[n * width + i];
        }
        AssertClose(dw, bl89[last[0]], Tight, "BL89 last weight");
        AssertClose(db, bl89[last[1]], Tight, "BL89 last bias");
    }
}
