using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>ReLU: max(a, 0); relu'(0) = 0 as in PyTorch.</summary>
public sealed class ReLULayer(TensorShape shape) : ActivationLayer("relu", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.ReLU;

    /// <inheritdoc/>
    public override double Value(double a) => a > 0 ? a : 0.0;

    /// <inheritdoc/>
    public override double First(double a) => a > 0 ? 1.0 : 0.0;

    /// <inheritdoc/>
    public override double Second(double a) => 0.0;
}
