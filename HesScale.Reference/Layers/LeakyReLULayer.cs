using HesScale.Gpu;

namespace HesScale.Reference.Layers;

/// <summary>LeakyReLU: a for a &gt; 0, slope * a otherwise; the derivative at 0 is the slope.</summary>
public sealed class LeakyReLULayer(TensorShape shape, double slope) : ActivationLayer("leaky_relu", shape)
{
    /// <summary>The negative slope.</summary>
    public double Slope { get; } = slope;

    /// <inheritdoc/>
    public override LayerKind Function => LayerKind.LeakyReLU;

    /// <inheritdoc/>
    public override double Value(double a) => a > 0 ? a : Slope * a;

    /// <inheritdoc/>
    public override double First(double a) => a > 0 ? 1.0 : Slope;

    /// <inheritdoc/>
    public override double Second(double a) => 0.0;
}
