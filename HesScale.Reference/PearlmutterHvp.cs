using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// Exact Hessian-vector product H v by Pearlmutter's R-operator, R{.} = d/dr (.)(theta + r v) at r = 0.
/// R-forward:  Linear R{a} = R{h} W^T + h V_W^T + V_b; activation R{z} = s'(a) R{a}.
/// Loss:       R{g_y} = H_out R{y}.
/// R-backward: activation R{g_a} = R{g_z} s'(a) + g_z s''(a) R{a};
///             Linear R{dW} = R{g}^T h + g^T R{h}, R{db} = sum_n R{g}, R{g_in} = R{g} W + g V_W.
/// </summary>
internal static class PearlmutterHvp
{
    /// <summary>The v-independent part: forward values (see <see cref="ReferenceNetwork.ForwardValues"/>) and g_y = dL/dy (N x K).</summary>
    public sealed record Linearization(double[][] Values, double[] OutputGradient, int Batch, LossSpec Loss);

    public static Linearization Linearize(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        var values = net.ForwardValues(inputs, batch);
        return new Linearization(values, LossDerivatives.Gradient(values[^1], batch, net.Outputs, targets, loss), batch, loss);
    }

    public static double[][] Product(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, double[][] v) =>
        Product(net, Linearize(net, inputs, batch, targets, loss), v);

    /// <summary>H v for a direction v shaped like the parameters.</summary>
    public static double[][] Product(ReferenceNetwork net, Linearization at, double[][] v)
    {
        int layers = net.LayerCount, batch = at.Batch;
        var values = at.Values;
        var inputs = values[0];
        // R-forward: rValues[l] = R{values[l]}, same shapes; the inputs do not depend on theta.
        var rValues = new double[layers + 1][];
        rValues[0] = new double[inputs.Length];
        for (int l = 0; l < layers; l++)
        {
            var layer = net.Layer(l);
            var h = values[l];
            var rh = rValues[l];
            if (layer.IsLinear)
            {
                var vb = net.BiasIndex(l) >= 0 ? v[net.BiasIndex(l)] : null;
                var viaInput = LinearMaps.Forward(rh, net.Weight(l), null, batch, layer.In, layer.Out);
                var viaWeight = LinearMaps.Forward(h, v[net.WeightIndex(l)], vb, batch, layer.In, layer.Out);
                rValues[l + 1] = LinearMaps.Add(viaInput, viaWeight);
            }
            else
            {
                var rz = new double[h.Length];
                for (int i = 0; i < h.Length; i++) rz[i] = ActivationDerivatives.First(layer.Kind, net.Slope(l), h[i]) * rh[i];
                rValues[l + 1] = rz;
            }
        }

        int outputs = net.Outputs;
        var y = values[layers];
        var g = at.OutputGradient;
        var rg = LossDerivatives.HessianVectorProduct(y, batch, outputs, at.Loss, rValues[layers]);

        // R-backward.
        var result = net.ZeroParameters();
        for (int l = layers - 1; l >= 0; l--)
        {
            var layer = net.Layer(l);
            var h = values[l];
            var rh = rValues[l];
            if (layer.IsLinear)
            {
                result[net.WeightIndex(l)] = LinearMaps.Add(
                    LinearMaps.WeightGradient(rg, h, batch, layer.In, layer.Out),
                    LinearMaps.WeightGradient(g, rh, batch, layer.In, layer.Out));
                if (net.BiasIndex(l) >= 0) result[net.BiasIndex(l)] = LinearMaps.BiasGradient(rg, batch, layer.Out);
                if (l > 0)
                {
                    var rgIn = LinearMaps.Add(
                        LinearMaps.BackwardInput(rg, net.Weight(l), batch, layer.In, layer.Out),
                        LinearMaps.BackwardInput(g, v[net.WeightIndex(l)], batch, layer.In, layer.Out));
                    g = LinearMaps.BackwardInput(g, net.Weight(l), batch, layer.In, layer.Out);
                    rg = rgIn;
                }
            }
            else
            {
                var ga = new double[g.Length];
                var rga = new double[g.Length];
                for (int i = 0; i < g.Length; i++)
                {
                    double d1 = ActivationDerivatives.First(layer.Kind, net.Slope(l), h[i]);
                    double d2 = ActivationDerivatives.Second(layer.Kind, net.Slope(l), h[i]);
                    ga[i] = g[i] * d1;
                    rga[i] = rg[i] * d1 + g[i] * d2 * rh[i];
                }
                g = ga;
                rg = rga;
            }
        }
        return result;
    }
}
