using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>ELU: alpha (e^a - 1) below 0 (alpha 1); elu'(0) = alpha.</summary>
public sealed class ELULayer(TensorShape shape) : ActivationLayer("elu", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.ELU;

    /// <inheritdoc/>
    public override double Value(double a) => a > 0 ? a : ActivationDerivatives.EluAlpha * (Math.Exp(a) - 1.0);

    /// <inheritdoc/>
    public override double First(double a) => a > 0 ? 1.0 : ActivationDerivatives.EluAlpha * Math.Exp(a);

    /// <inheritdoc/>
    public override double Second(double a) => a > 0 ? 0.0 : ActivationDerivatives.EluAlpha * Math.Exp(a);
}
