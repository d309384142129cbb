using HesScale.Gpu;
using HesScale.Reference;
using HesScale.Reference.Layers;
using MathNet.Numerics.LinearAlgebra;
using static HesScale.Tests.Reference.RandomNetworks;

namespace HesScale.Tests.Reference;

/// <summary>
/// The reference's conv, pool and flatten layers on random odd-shape nets (RandomConvNetworks), batch 1 and 3:
/// the explicit-matrix exact Hessian against Pearlmutter HVPs and finite differences, the explicit GGN against
/// output Jacobians taken from gradients, HesScale against exact at the last layer and against the definition.
/// </summary>
[TestClass]
public sealed class ReferenceConvTests
{
    public static IEnumerable<object[]> Problems =>
        from name in new[] { "pools", "conv-last", "kinks" }
        from loss in new[] { LossSpec.Mse(Reduction.Mean), LossSpec.CrossEntropy(Reduction.Sum) }
        from batch in new[] { 1, 3 }
        select new object[] { name, loss.Kind, loss.Reduction, batch };

    private static Problem Create(string name, LossKind kind, Reduction reduction, int batch) =>
        RandomConvNetworks.Create(name, new LossSpec(kind, reduction), batch, seed: 11 + batch + name.Length);

    [TestMethod]
    [DynamicData(nameof(Problems))]
    public void ExactDiagonal_EqualsPearlmutterHvpDiagonal(string name, LossKind kind, Reduction reduction, int batch)
    {
        var p = Create(name, kind, reduction, batch);
        var hvpDiagonal = new double[p.Net.ParameterCount];
        var zero = Zeros(p);
        for (int j = 0; j < hvpDiagonal.Length; j++)
        {
            var e = Copy(zero);
            var (t, i) = Locate(e, j);
            e[t][i] = 1.0;
            hvpDiagonal[j] = Flatten(p.Net.HessianVectorProduct(p.Inputs, p.Batch, p.Targets, p.Loss, e))[j];
        }
        AssertClose(hvpDiagonal, Flatten(p.Exact()), 1e-11, $"{name} exact vs HVP diagonal");
    }

    [TestMethod]
    [DynamicData(nameof(Problems))]
    public void FullHessian_TimesV_EqualsHvp_AndHvpMatchesFiniteDifferences(string name, LossKind kind, Reduction reduction, int batch)
    {
        var p = Create(name, kind, reduction, batch);
        var v = p.Net.Parameters.Select(t => Uniform(new Random(t.Index + 3), t.Length, 1.0)).ToArray();
        var h = p.Net.FullHessian(p.Inputs, p.Batch, p.Targets, p.Loss);
        Assert.IsLessThanOrEqualTo(1e-13 * h.FrobeniusNorm(), (h - h.Transpose()).FrobeniusNorm(), "H - H^T");
        var hv = Flatten(p.Net.HessianVectorProduct(p.Inputs, p.Batch, p.Targets, p.Loss, v));
        AssertClose(hv, (h * Vector<double>.Build.DenseOfArray(Flatten(v))).ToArray(), 1e-11, $"{name} H v");

        const double step = 1e-5;
        var plus = Flatten(p.GradientAt(AddScaled(p.Parameters, step, v)));
        var minus = Flatten(p.GradientAt(AddScaled(p.Parameters, -step, v)));
        AssertClose(plus.Select((x, i) => (x - minus[i]) / (2 * step)).ToArray(), hv, 1e-6, $"{name} H v vs differences of the gradient");

        var gradient = Flatten(p.Gradient());
        double slope = gradient.Select((g, i) => g * Flatten(v)[i]).Sum();
        double fd = (p.LossAt(AddScaled(p.Parameters, step, v)) - p.LossAt(AddScaled(p.Parameters, -step, v))) / (2 * step);
        Assert.AreEqual(fd, slope, 1e-7 * Math.Max(1, Math.Abs(fd)), $"{name} g . v vs differences of the loss");
    }

    [TestMethod]
    [DynamicData(nameof(Problems))]
    public void Ggn_EqualsOutputJacobiansFromGradients(string name, LossKind kind, Reduction reduction, int batch)
    {
        var p = Create(name, kind, reduction, batch);
        int k = p.Net.OutputSize, size = p.Net.InputSize;
        var y = p.Net.Forward(p.Inputs, p.Batch);
        double m = p.Loss.Divisor(p.Batch, k);
        var ggn = new double[p.Net.ParameterCount];
        for (int n = 0; n < p.Batch; n++)
        {
            var x = p.Inputs[(n * size)..((n + 1) * size)];
            var yn = y[(n * k)..((n + 1) * k)];
            // Row o of sample n's output Jacobian: the gradient of sum (y - t)^2 with t = y - e_o / 2 on that sample alone.
            var rows = new double[k][];
            for (int o = 0; o < k; o++)
            {
                var t = (double[])yn.Clone();
                t[o] -= 0.5;
                rows[o] = Flatten(p.Net.Gradient(x, 1, ReferenceTargets.FromValues(t), LossSpec.Mse(Reduction.Sum)));
            }
            var h = OutputHessian(yn, kind, m);
            for (int a = 0; a < k; a++)
            {
                for (int b = 0; b < k; b++)
                {
                    for (int j = 0; j < ggn.Length; j++) ggn[j] += rows[a][j] * h[a, b] * rows[b][j];
                }
            }
        }
        AssertClose(ggn, Flatten(p.Ggn()), 1e-11, $"{name} GGN");
    }

    [TestMethod]
    [DynamicData(nameof(Problems))]
    public void HesScale_EqualsExact_AtTheLastLayer(string name, LossKind kind, Reduction reduction, int batch)
    {
        // A shared conv weight couples output positions through H_out: exact only when H_out is diagonal (MSE).
        if (name == "conv-last" && kind == LossKind.CrossEntropy) return;
        var p = Create(name, kind, reduction, batch);
        int lastWithParameters = p.Net.Parameters.Max(t => t.LayerIndex);
        var exact = p.Exact();
        var hesScale = p.Curvature(CurvatureMethod.HesScale);
        var gn = p.Curvature(CurvatureMethod.HesScaleGN);
        foreach (var t in p.Net.Parameters.Where(t => t.LayerIndex == lastWithParameters))
        {
            AssertClose(exact[t.Index], hesScale[t.Index], 1e-12, $"{name} layer {t.LayerIndex} {t.Name} HesScale");
            AssertClose(exact[t.Index], gn[t.Index], 1e-12, $"{name} layer {t.LayerIndex} {t.Name} HesScaleGN");
        }
        Assert.IsGreaterThan(1e-6, RelativeError(Flatten(hesScale), Flatten(exact)), $"{name}: HesScale equals exact everywhere, so the check above is not telling");
    }

    [TestMethod]
    [DynamicData(nameof(Problems))]
    public void Recursions_EqualTheDefinitionOnExplicitMatrices(string name, LossKind kind, Reduction reduction, int batch)
    {
        var p = Create(name, kind, reduction, batch);
        foreach (var method in new[] { CurvatureMethod.HesScale, CurvatureMethod.HesScaleGN })
            AssertClose(ByDefinition(p, method == CurvatureMethod.HesScale), p.Curvature(method), 1e-12, $"{name} {method}");
    }

    /// <summary>
    /// method.md's recursion on each sample's explicit matrices: A = dy/dx, B = dy/dp of each layer;
    /// d_in = (A∘A)^T d (+ sum_k g_k d^2 y_k/dx^2 for HesScale), parameter diagonal (B∘B)^T d, g_in = A^T g.
    /// </summary>
    private static double[][] ByDefinition(Problem p, bool secondOrder)
    {
        var net = p.Net;
        var result = Zeros(p);
        int k = net.OutputSize, size = net.InputSize;
        var y = net.Forward(p.Inputs, p.Batch);
        double m = p.Loss.Divisor(p.Batch, k);
        for (int n = 0; n < p.Batch; n++)
        {
            var values = new List<double[]> { p.Inputs[(n * size)..((n + 1) * size)] };
            var tensors = new List<double[][]>();
            int first = 0;
            foreach (var layer in net.Layers)
            {
                tensors.Add(p.Parameters[first..(first + layer.Parameters.Count)]);
                first += layer.Parameters.Count;
                values.Add(layer.Forward(tensors[^1], values[^1], 1));
            }
            var yn = y[(n * k)..((n + 1) * k)];
            var h = OutputHessian(yn, p.Loss.Kind, m);
            var d = Vector<double>.Build.Dense(k, i => h[i, i]);
            var gOut = GradientOfLoss(yn, p.Targets, n, p.Loss.Kind, m);
            var g = Vector<double>.Build.DenseOfArray(gOut);
            first = net.Parameters.Count;
            for (int l = net.Layers.Count - 1; l >= 0; l--)
            {
                var layer = net.Layers[l];
                var x = values[l];
                first -= layer.Parameters.Count;
                var b = layer.ParameterJacobian(tensors[l], x);
                var paramDiag = b.PointwisePower(2).TransposeThisAndMultiply(d).ToArray();
                int offset = 0;
                for (int t = 0; t < layer.Parameters.Count; t++)
                {
                    for (int i = 0; i < layer.Parameters[t].Length; i++) result[first + t][i] += paramDiag[offset + i];
                    offset += layer.Parameters[t].Length;
                }
                var a = layer.InputJacobian(tensors[l], x);
                var dIn = a.PointwisePower(2).TransposeThisAndMultiply(d);
                if (secondOrder && layer.InputCurvature(tensors[l], x, g.ToArray()) is { } s) dIn += Vector<double>.Build.DenseOfArray(s);
                g = a.TransposeThisAndMultiply(g);
                d = dIn;
            }
        }
        return result;
    }

    private static double[][] Zeros(Problem p) => p.Parameters.Select(t => new double[t.Length]).ToArray();

    /// <summary>One sample's loss Hessian w.r.t. its output: MSE 2 I / M; CE (diag(p) - p p^T) / M.</summary>
    private static Matrix<double> OutputHessian(double[] y, LossKind kind, double m)
    {
        int k = y.Length;
        if (kind == LossKind.MeanSquaredError) return Matrix<double>.Build.DenseIdentity(k) * (2.0 / m);
        var p = Softmax(y);
        return Matrix<double>.Build.Dense(k, k, (a, b) => ((a == b ? p[a] : 0.0) - p[a] * p[b]) / m);
    }

    /// <summary>One sample's dL/dy: MSE 2 (y - t) / M; CE (p - onehot) / M.</summary>
    private static double[] GradientOfLoss(double[] y, ReferenceTargets targets, int n, LossKind kind, double m)
    {
        int k = y.Length;
        if (kind == LossKind.MeanSquaredError) return y.Select((v, i) => 2.0 * (v - targets.Values![n * k + i]) / m).ToArray();
        var p = Softmax(y);
        p[targets.Classes![n]] -= 1.0;
        return p.Select(v => v / m).ToArray();
    }

    private static double[] Softmax(double[] y)
    {
        double max = y.Max();
        var e = y.Select(v => Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
