using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>SELU: scale * ELU with PyTorch's alpha and scale.</summary>
public sealed class SELULayer(TensorShape shape) : ActivationLayer("selu", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.SELU;

    /// <inheritdoc/>
    public override double Value(double a) => ActivationDerivatives.SeluScale * (a > 0 ? a : ActivationDerivatives.SeluAlpha * (Math.Exp(a) - 1.0));

    /// <inheritdoc/>
    public override double First(double a) => ActivationDerivatives.SeluScale * (a > 0 ? 1.0 : ActivationDerivatives.SeluAlpha * Math.Exp(a));

    /// <inheritdoc/>
    public override double Second(double a) => a > 0 ? 0.0 : ActivationDerivatives.SeluScale * ActivationDerivatives.SeluAlpha * Math.Exp(a);
}
