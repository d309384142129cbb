using HesScale.Gpu;
using HesScale.Reference;
using static HesScale.Tests.Reference.RandomNetworks;

namespace HesScale.Tests.Reference;

/// <summary>The exact GGN diagonal: equal to the Hessian diagonal for piecewise-linear-free nets, and to a brute-force J^T H J.</summary>
[TestClass]
public sealed class ReferenceGgnTests
{
    [TestMethod]
    [DataRow(LossKind.MeanSquaredError)]
    [DataRow(LossKind.CrossEntropy)]
    public void Ggn_EqualsExact_WithoutNonlinearities(LossKind kind)
    {
        foreach (var p in new[] { Create(null, new LossSpec(kind), 51), Create(LayerKind.Identity, new LossSpec(kind, Reduction.Sum), 52) })
            AssertClose(p.Exact(), p.Ggn(), 1e-12, $"{p.Net.Spec}");
    }

    [TestMethod]
    [DataRow(LossKind.MeanSquaredError)]
    [DataRow(LossKind.CrossEntropy)]
    public void Ggn_DiffersFromExact_WithCurvedActivations(LossKind kind)
    {
        var p = Create(LayerKind.Tanh, new LossSpec(kind), 53);
        double error = RelativeError(Flatten(p.Ggn()), Flatten(p.Exact()));
        Assert.IsGreaterThan(1e-3, error, "GGN and exact diagonal should differ for a tanh network");
        Assert.IsTrue(Flatten(p.Ggn()).All(x => x >= -1e-15), "the GGN diagonal of a convex loss is non-negative");
    }

    [TestMethod]
    [DataRow(LayerKind.Tanh, LossKind.MeanSquaredError)]
    [DataRow(LayerKind.Tanh, LossKind.CrossEntropy)]
    [DataRow(LayerKind.ELU, LossKind.CrossEntropy)]
    [DataRow(LayerKind.Softplus, LossKind.MeanSquaredError)]
    public void Ggn_MatchesBruteForceJacobians(LayerKind activation, LossKind kind)
    {
        var p = Create(activation, new LossSpec(kind), 61 + (int)activation, batch: 2, widths: [3, 3, 3]);
        int k = p.Net.Spec.OutputSize, n = p.Batch;
        double m = p.Loss.Divisor(n, k);
        var y = p.Net.Forward(p.Inputs, n);
        int count = p.Net.Spec.ParameterCount;
        const double step = 1e-6;
        var expected = new double[count];
        for (int j = 0; j < count; j++)
        {
            var (t, e) = Locate(p.Parameters, j);
            var plus = Copy(p.Parameters);
            var minus = Copy(p.Parameters);
            plus[t][e] += step;
            minus[t][e] -= step;
            var yp = p.ForwardAt(plus);
            var ym = p.ForwardAt(minus);
            var jac = yp.Select((v, i) => (v - ym[i]) / (2 * step)).ToArray(); // N x K column j of the Jacobian
            for (int s = 0; s < n; s++)
            {
                var hOut = OutputHessian(y.AsSpan(s * k, k).ToArray(), kind, m);
                for (int a = 0; a < k; a++)
                    for (int b = 0; b < k; b++)
                        expected[j] += jac[s * k + a] * hOut[a, b] * jac[s * k + b];
            }
        }
        AssertClose(expected, Flatten(p.Ggn()), 1e-7, $"{activation} {kind}");
    }

    /// <summary>MSE 2 I / M; CE (diag(p) - p p^T) / M, written out independently of the library.</summary>
    private static double[,] OutputHessian(double[] y, LossKind kind, double m)
    {
        int k = y.Length;
        var h = new double[k, k];
        var e = y.Select(Math.Exp).ToArray();
        var prob = e.Select(x => x / e.Sum()).ToArray();
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                h[a, b] = kind == LossKind.MeanSquaredError ? (a == b ? 2 / m : 0) : ((a == b ? prob[a] : 0) - prob[a] * prob[b]) / m;
        return h;
    }
}
