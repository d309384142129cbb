namespace HesScale.Reference;

/// <summary>Ordinary backprop: Linear dW = g^T h, db = sum_n g, g_in = g W; activation g_a = g_z * s'(a).</summary>
internal static class Backpropagation
{
    /// <summary>
    /// Parameter gradients for an output gradient <paramref name="gOut"/> (N x K), given the forward values
    /// of <see cref="ReferenceNetwork.ForwardValues"/>. With gOut = e_k on one sample this is row k of the output Jacobian.
    /// </summary>
    public static double[][] Backward(ReferenceNetwork net, double[][] values, double[] gOut, int batch)
    {
        var grads = net.ZeroParameters();
        var g = gOut;
        for (int l = net.LayerCount - 1; l >= 0; l--)
        {
            var layer = net.Layer(l);
            var h = values[l]; // input of layer l: N x in (the pre-activation a for activations)
            if (layer.IsLinear)
            {
                grads[net.WeightIndex(l)] = LinearMaps.WeightGradient(g, h, batch, layer.In, layer.Out);
                if (net.BiasIndex(l) >= 0) grads[net.BiasIndex(l)] = LinearMaps.BiasGradient(g, batch, layer.Out);
                if (l > 0) g = LinearMaps.BackwardInput(g, net.Weight(l), batch, layer.In, layer.Out);
            }
            else
            {
                var ga = new double[g.Length];
                for (int i = 0; i < g.Length; i++) ga[i] = g[i] * ActivationDerivatives.First(layer.Kind, net.Slope(l), h[i]);
                g = ga;
            }
        }
        return grads;
    }
}
