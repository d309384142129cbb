namespace HesScale.Reference;

/// <summary>Ordinary backprop, one loop over the layers: each layer gives its parameter gradients J_p^T g and passes J_x^T g on.</summary>
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
            var p = net.ParametersOf(l);
            net.Store(grads, l, layer.ParameterGradient(p, values[l], g, batch));
            if (l > 0) g = layer.BackwardInput(p, values[l], g, batch);
        }
        return grads;
    }
}
