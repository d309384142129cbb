using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>Identity: a.</summary>
public sealed class IdentityLayer(TensorShape shape) : ActivationLayer("identity", shape)
{
    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.Identity;

    /// <inheritdoc/>
    public override double Value(double a) => a;

    /// <inheritdoc/>
    public override double First(double a) => 1.0;

    /// <inheritdoc/>
    public override double Second(double a) => 0.0;
}
