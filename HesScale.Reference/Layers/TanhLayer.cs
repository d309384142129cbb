using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>Tanh: tanh.</summary>
public sealed class TanhLayer(TensorShape shape) : ActivationLayer("tanh", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.Tanh;

    /// <inheritdoc/>
    public override double Value(double a) => Math.Tanh(a);

    /// <inheritdoc/>
    public override double First(double a) => 1.0 - Math.Tanh(a) * Math.Tanh(a);

    /// <inheritdoc/>
    public override double Second(double a)
    {
        double t = Math.Tanh(a);
        return -2.0 * t * (1.0 - t * t);
    }
}
