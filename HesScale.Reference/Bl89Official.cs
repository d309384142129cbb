using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// BL89 as the official PyTorch + BackPACK code computes it (golden/README.md): HesScale run on
/// LogSoftmax + NLLLoss, where a stale tag check drops the output term. For cross-entropy this is the BL89
/// recursion of <see cref="DiagonalRecursions"/> started from d = 0 at the logits: the last Linear layer's
/// diagonal is zero and the hidden layers keep only the activations' s''(a) g_z terms. For MSE it is HesScale.
/// </summary>
public static class Bl89Official
{
    /// <summary>The official code's BL89 diagonal, one array per parameter tensor.</summary>
    public static double[][] Diagonal(ReferenceNetwork net, double[] inputs, int batch, ReferenceTargets targets, LossSpec loss)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (loss.Kind != LossKind.CrossEntropy) return net.Curvature(inputs, batch, targets, loss, CurvatureMethod.HesScale);
        net.Loss(inputs, batch, targets, loss); // validates the batch
        var values = net.ForwardValues(inputs, batch);
        var g = LossDerivatives.Gradient(values[^1], batch, net.Outputs, targets, loss);
        return DiagonalRecursions.Run(net, values, g, new double[g.Length], batch, secondOrder: true);
    }
}
