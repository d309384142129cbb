using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>Softplus: log(1 + e^a), a itself above PyTorch's threshold 20.</summary>
public sealed class SoftplusLayer(TensorShape shape) : ActivationLayer("softplus", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.Softplus;

    /// <inheritdoc/>
    public override double Value(double a) => a > ActivationDerivatives.SoftplusThreshold ? a : Math.Log(1.0 + Math.Exp(a));

    /// <inheritdoc/>
    public override double First(double a) => a > ActivationDerivatives.SoftplusThreshold ? 1.0 : ActivationDerivatives.Sigmoid(a);

    /// <inheritdoc/>
    public override double Second(double a)
    {
        if (a > ActivationDerivatives.SoftplusThreshold) return 0.0;
        double s = ActivationDerivatives.Sigmoid(a);
        return s * (1.0 - s);
    }
}
