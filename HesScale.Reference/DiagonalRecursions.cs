using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// The diagonal recursions of method.md, run next to the gradient g (same shapes, N x width):
/// output d = exact loss-Hessian diagonal (HesScale, HesScaleGN) or BL89's approximation;
/// activation d_a = s'(a)^2 d_z + s''(a) g_z (HesScaleGN drops the s'' g term);
/// Linear dW[o,i] = sum_n d[n,o] h[n,i]^2, db[o] = sum_n d[n,o], d_in[n,i] = sum_o W[o,i]^2 d[n,o].
/// </summary>
internal static class DiagonalRecursions
{
    public static double[][] Compute(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, CurvatureMethods single)
    {
        var values = net.ForwardValues(inputs, batch);
        int outputs = net.Outputs;
        var y = values[^1];
        var g = LossDerivatives.Gradient(y, batch, outputs, targets, loss);
        var d = single == CurvatureMethods.BL89
            ? LossDerivatives.Bl89Diagonal(y, batch, outputs, targets, loss)
            : LossDerivatives.HessianDiagonal(y, batch, outputs, loss);
        bool secondOrderTerm = single != CurvatureMethods.HesScaleGN;

        var result = net.ZeroParameters();
        for (int l = net.LayerCount - 1; l >= 0; l--)
        {
            var layer = net.Layer(l);
            var h = values[l]; // N x in, or the pre-activation a
            if (layer.IsLinear)
            {
                var w = net.Weight(l);
                result[net.WeightIndex(l)] = LinearMaps.WeightGradient(d, LinearMaps.Square(h), batch, layer.In, layer.Out);
                if (net.BiasIndex(l) >= 0) result[net.BiasIndex(l)] = LinearMaps.BiasGradient(d, batch, layer.Out);
                if (l > 0)
                {
                    d = LinearMaps.BackwardInput(d, LinearMaps.Square(w), batch, layer.In, layer.Out);
                    g = LinearMaps.BackwardInput(g, w, batch, layer.In, layer.Out);
                }
            }
            else
            {
                var da = new double[d.Length];
                var ga = new double[g.Length];
                for (int i = 0; i < d.Length; i++)
                {
                    double d1 = ActivationDerivatives.First(layer.Kind, net.Slope(l), h[i]);
                    da[i] = d1 * d1 * d[i];
                    if (secondOrderTerm) da[i] += ActivationDerivatives.Second(layer.Kind, net.Slope(l), h[i]) * g[i];
                    ga[i] = g[i] * d1;
                }
                d = da;
                g = ga;
            }
        }
        return result;
    }
}
