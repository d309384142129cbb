using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>Sigmoid: the logistic function.</summary>
public sealed class SigmoidLayer(TensorShape shape) : ActivationLayer("sigmoid", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.Sigmoid;

    /// <inheritdoc/>
    public override double Value(double a) => ActivationDerivatives.Sigmoid(a);

    /// <inheritdoc/>
    public override double First(double a) => ActivationDerivatives.Sigmoid(a) * (1.0 - ActivationDerivatives.Sigmoid(a));

    /// <inheritdoc/>
    public override double Second(double a)
    {
        double s = ActivationDerivatives.Sigmoid(a);
        return s * (1.0 - s) * (1.0 - 2.0 * s);
    }
}
