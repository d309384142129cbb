using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// The diagonal recursions of method.md, run next to the gradient g (same shapes, N x width), one loop over the layers:
/// each layer turns the diagonal d at its output into its parameter diagonals and the diagonal at its input
/// (<see cref="Layers.ReferenceLayer.ParameterDiagonal"/>, <see cref="Layers.ReferenceLayer.BackwardDiagonal"/>).
/// The methods differ only in the start d at the output and in whether activations add s''(a) g:
/// HesScale: exact loss-Hessian diagonal, with s'' g; HesScaleGN: the same start, without; BL89: its own start, with.
/// </summary>
internal static class DiagonalRecursions
{
    public static double[][] Compute(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss, CurvatureMethod single)
    {
        var values = net.ForwardValues(inputs, batch);
        var y = values[^1];
        var d = single == CurvatureMethod.BL89
            ? LossDerivatives.Bl89Diagonal(y, batch, net.Outputs, targets, loss)
            : LossDerivatives.HessianDiagonal(y, batch, net.Outputs, loss);
        return Run(net, values, LossDerivatives.Gradient(y, batch, net.Outputs, targets, loss), d, batch, secondOrder: single != CurvatureMethod.HesScaleGN);
    }

    /// <summary>The recursion from output gradient <paramref name="g"/> and output diagonal <paramref name="d"/> (both N x K).</summary>
    public static double[][] Run(ReferenceNetwork net, double[][] values, double[] g, double[] d, int batch, bool secondOrder)
    {
        var result = net.ZeroParameters();
        for (int l = net.LayerCount - 1; l >= 0; l--)
        {
            var layer = net.Layer(l);
            var p = net.ParametersOf(l);
            var x = values[l];
            net.Store(result, l, layer.ParameterDiagonal(p, x, d, batch));
            if (l > 0)
            {
                d = layer.BackwardDiagonal(p, x, g, d, batch, secondOrder);
                g = layer.BackwardInput(p, x, g, batch);
            }
        }
        return result;
    }
}
