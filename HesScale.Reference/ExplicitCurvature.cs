using HesScale.Gpu;
using MathNet.Numerics.LinearAlgebra;

namespace HesScale.Reference;

/// <summary>
/// The exact Hessian and exact GGN from explicit matrices, independent of the diagonal recursions and of the
/// R-operator. Per sample n, with z_0 = x_n, z_{l+1} = f_l(z_l; p_l), the layers' explicit maps give
/// A_l = dz_{l+1}/dz_l (out x in) and B_l = dz_{l+1}/dp_l (out x P_l); then
///   J_0 = 0, J_{l+1} = A_l J_l + B_l E_l     (J_l = dz_l/dtheta, dim_l x P; E_l selects layer l's columns),
///   g_L = dL/dy_n, g_l = A_l^T g_{l+1}       (the gradient at each layer's output),
///   H = sum_n [ J_L^T H_out,n J_L + sum_l ( J_l^T S_l J_l + J_l^T C_l E_l + E_l^T C_l^T J_l ) ],
/// S_l = sum_k g_{l+1,k} d^2 z_{l+1,k}/dz_l^2 (diagonal: layers are elementwise or linear in their input),
/// C_l = sum_k g_{l+1,k} d^2 z_{l+1,k}/(dz_l dp_l); d^2 z/dp^2 = 0 as every layer is linear in its parameters.
/// GGN = sum_n J_L^T H_out,n J_L. H_out and g carry the loss's batch divisor M.
/// </summary>
internal static class ExplicitCurvature
{
    /// <summary>One sample's explicit quantities: J per layer boundary (L + 1 of them), the S and C terms per layer, H_out.</summary>
    private sealed record Sample(Matrix<double>[] Jacobians, double[]?[] InputCurvatures, Matrix<double>?[] MixedCurvatures, Matrix<double> OutputHessian);

    /// <summary>The P x P Hessian, parameters flattened in order.</summary>
    public static Matrix<double> FullHessian(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        int p = net.ParameterCount;
        var h = Matrix<double>.Build.Dense(p, p);
        foreach (var s in Samples(net, inputs, batch, targets, loss))
        {
            var jOut = s.Jacobians[^1];
            h += jOut.TransposeThisAndMultiply(s.OutputHessian * jOut);
            for (int l = 0; l < net.LayerCount; l++)
            {
                var j = s.Jacobians[l];
                if (s.InputCurvatures[l] is { } sDiag) h += j.TransposeThisAndMultiply(ScaleRows(j, sDiag));
                if (s.MixedCurvatures[l] is { } c)
                {
                    var k = j.TransposeThisAndMultiply(c); // P x P_l
                    int off = net.FlatOffset(l);
                    for (int a = 0; a < p; a++)
                    {
                        for (int b = 0; b < c.ColumnCount; b++)
                        {
                            h[a, off + b] += k[a, b];
                            h[off + b, a] += k[a, b];
                        }
                    }
                }
            }
        }
        return h;
    }

    /// <summary>diag(H), flat length P, without forming P x P matrices.</summary>
    public static double[] HessianDiagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        var diag = GgnDiagonal(net, inputs, batch, targets, loss, out var samples);
        foreach (var s in samples)
        {
            for (int l = 0; l < net.LayerCount; l++)
            {
                var j = s.Jacobians[l];
                if (s.InputCurvatures[l] is { } sDiag)
                {
                    for (int a = 0; a < j.RowCount; a++)
                    {
                        if (sDiag[a] == 0.0) continue;
                        for (int col = 0; col < j.ColumnCount; col++) diag[col] += sDiag[a] * j[a, col] * j[a, col];
                    }
                }
                if (s.MixedCurvatures[l] is { } c)
                {
                    int off = net.FlatOffset(l);
                    for (int b = 0; b < c.ColumnCount; b++)
                    {
                        double sum = 0;
                        for (int a = 0; a < c.RowCount; a++) sum += j[a, off + b] * c[a, b];
                        diag[off + b] += 2.0 * sum;
                    }
                }
            }
        }
        return diag;
    }

    /// <summary>diag(sum_n J_n^T H_out,n J_n), flat length P.</summary>
    public static double[] GgnDiagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss) =>
        GgnDiagonal(net, inputs, batch, targets, loss, out _);

    private static double[] GgnDiagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, out List<Sample> samples)
    {
        samples = Samples(net, inputs, batch, targets, loss);
        var diag = new double[net.ParameterCount];
        foreach (var s in samples)
        {
            var j = s.Jacobians[^1];
            var hj = s.OutputHessian * j; // K x P
            for (int a = 0; a < j.RowCount; a++)
            {
                for (int col = 0; col < j.ColumnCount; col++) diag[col] += j[a, col] * hj[a, col];
            }
        }
        return diag;
    }

    private static List<Sample> Samples(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        int inSize = net.InputSize, outputs = net.Outputs, layers = net.LayerCount, p = net.ParameterCount;
        var y = net.ForwardValues(inputs, batch)[^1];
        var gOut = LossDerivatives.Gradient(y, batch, outputs, targets, loss);
        var samples = new Sample[batch];
        Parallel.For(0, batch, n =>
        {
            var values = net.ForwardValues(inputs.AsSpan(n * inSize, inSize).ToArray(), 1);
            var a = new Matrix<double>[layers];
            var jac = new Matrix<double>[layers + 1];
            jac[0] = Matrix<double>.Build.Dense(inSize, p);
            for (int l = 0; l < layers; l++)
            {
                var layer = net.Layer(l);
                var pl = net.ParametersOf(l);
                a[l] = layer.InputJacobian(pl, values[l]);
                var next = a[l] * jac[l];
                var b = layer.ParameterJacobian(pl, values[l]);
                int off = net.FlatOffset(l);
                for (int r = 0; r < b.RowCount; r++)
                {
                    for (int col = 0; col < b.ColumnCount; col++) next[r, off + col] += b[r, col];
                }
                jac[l + 1] = next;
            }
            // g at each layer's output, by the explicit A_l^T.
            var s = new double[]?[layers];
            var c = new Matrix<double>?[layers];
            var g = Vector<double>.Build.DenseOfArray(gOut.AsSpan(n * outputs, outputs).ToArray());
            for (int l = layers - 1; l >= 0; l--)
            {
                var layer = net.Layer(l);
                var pl = net.ParametersOf(l);
                var gArray = g.ToArray();
                s[l] = layer.InputCurvature(pl, values[l], gArray);
                c[l] = layer.MixedCurvature(pl, values[l], gArray);
                g = a[l].TransposeThisAndMultiply(g);
            }
            var hOut = Matrix<double>.Build.Dense(outputs, outputs, LossDerivatives.SampleHessian(y, batch, outputs, n, loss)); // symmetric, so the storage order does not matter
            samples[n] = new Sample(jac, s, c, hOut);
        });
        return samples.ToList();
    }

    /// <summary>diag(s) m.</summary>
    private static Matrix<double> ScaleRows(Matrix<double> m, double[] s) => m.MapIndexed((r, _, value) => s[r] * value);
}
