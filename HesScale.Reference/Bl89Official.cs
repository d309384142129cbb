using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// BL89 as the official PyTorch + BackPACK code computes it (golden/README.md): HesScale run on
/// LogSoftmax + NLLLoss, where a stale tag check drops the output term. For cross-entropy the
/// recursion therefore starts from d = 0 at the logits: the last Linear layer's diagonal is zero
/// and the hidden layers keep only the activations' s''(a) g_z terms, propagated by
/// d_in = sum_o W^2 d and d_a = s'(a)^2 d_z + s''(a) g_z. For MSE it is HesScale.
/// </summary>
public static class Bl89Official
{
    public static double[][] Diagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (loss.Kind != LossKind.CrossEntropy) return net.Curvature(inputs, batch, targets, loss, CurvatureMethods.HesScale);
        net.Loss(inputs, batch, targets, loss); // validates the batch
        var values = net.ForwardValues(inputs, batch);
        var g = LossDerivatives.Gradient(values[^1], batch, net.Outputs, targets, loss);
        var d = new double[g.Length];
        var result = net.ZeroParameters();
        for (int l = net.LayerCount - 1; l >= 0; l--)
        {
            var layer = net.Layer(l);
            var h = values[l];
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
                    da[i] = d1 * d1 * d[i] + ActivationDerivatives.Second(layer.Kind, net.Slope(l), h[i]) * g[i];
                    ga[i] = g[i] * d1;
                }
                d = da;
                g = ga;
            }
        }
        return result;
    }
}
