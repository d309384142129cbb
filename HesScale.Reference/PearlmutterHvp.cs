using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// Exact Hessian-vector product H v by Pearlmutter's R-operator, R{.} = d/dr (.)(theta + r v) at r = 0.
/// R-forward: R{y} = J_x R{x} + J_p v per layer; loss: R{g_y} = H_out R{y};
/// R-backward: R{g_in} = J_x^T R{g} + R{J_x^T} g and R{J_p^T g} per layer (the layers' RForward / RBackwardInput /
/// RParameterGradient). The Linear and activation rules are in LinearLayer and ActivationLayer.
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

    /// <summary>H v for a direction v shaped like the parameters: an R-forward loop, the loss's R{g_y}, an R-backward loop.</summary>
    public static double[][] Product(ReferenceNetwork net, Linearization at, double[][] v)
    {
        int layers = net.LayerCount, batch = at.Batch;
        var values = at.Values;
        // R-forward: rValues[l] = R{values[l]}, same shapes; the inputs do not depend on theta.
        var rValues = new double[layers + 1][];
        rValues[0] = new double[values[0].Length];
        for (int l = 0; l < layers; l++)
            rValues[l + 1] = net.Layer(l).RForward(net.ParametersOf(l), net.Of(v, l), values[l], rValues[l], batch);

        var g = at.OutputGradient;
        var rg = LossDerivatives.HessianVectorProduct(values[layers], batch, net.Outputs, at.Loss, rValues[layers]);

        // R-backward.
        var result = net.ZeroParameters();
        for (int l = layers - 1; l >= 0; l--)
        {
            var layer = net.Layer(l);
            var p = net.ParametersOf(l);
            var vl = net.Of(v, l);
            net.Store(result, l, layer.RParameterGradient(p, vl, values[l], rValues[l], g, rg, batch));
            if (l > 0)
            {
                rg = layer.RBackwardInput(p, vl, values[l], rValues[l], g, rg, batch);
                g = layer.BackwardInput(p, values[l], g, batch);
            }
        }
        return result;
    }
}
