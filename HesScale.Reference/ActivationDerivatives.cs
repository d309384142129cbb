using System.Globalization;
using HesScale.Gpu;
using HesScale.Reference.Layers;

namespace HesScale.Reference;

/// <summary>
/// Elementwise activations z = s(a) and their first and second derivatives, in double, by layer kind
/// (the formulas are in the activation layer types, e.g. <see cref="TanhLayer"/>).
/// Kinks follow PyTorch/BackPACK: relu'(0) = 0, leaky'(a) = a &gt; 0 ? 1 : slope, elu'(a) = a &gt; 0 ? 1 : alpha e^a.
/// </summary>
public static class ActivationDerivatives
{
    /// <summary>PyTorch's SELU scale.</summary>
    public const double SeluScale = 1.0507009873554804934193349852946;
    /// <summary>PyTorch's SELU alpha.</summary>
    public const double SeluAlpha = 1.6732632423543772848170429916717;
    /// <summary>ELU alpha.</summary>
    public const double EluAlpha = 1.0;
    /// <summary>PyTorch's softplus threshold: s(a) = a above it.</summary>
    public const double SoftplusThreshold = 20.0;

    /// <summary>
    /// The LeakyReLU slope as a double. <see cref="LayerSpec.Slope"/> is a float, so it is widened through its
    /// shortest decimal form (0.01f gives 0.01, not 0.009999999776).
    /// </summary>
    public static double Slope(LayerSpec layer) =>
        double.Parse(layer.Slope.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>s(a), from the activation's layer type.</summary>
    public static double Value(LayerKind kind, double slope, double a) => Layer(kind, slope).Value(a);

    /// <summary>s'(a).</summary>
    public static double First(LayerKind kind, double slope, double a) => Layer(kind, slope).First(a);

    /// <summary>s''(a).</summary>
    public static double Second(LayerKind kind, double slope, double a) => Layer(kind, slope).Second(a);

    private static ActivationLayer Layer(LayerKind kind, double slope) => ActivationLayer.Create(TensorShape.Vector(1), kind, slope);

    /// <summary>Numerically stable logistic function.</summary>
    public static double Sigmoid(double a) => a >= 0 ? 1.0 / (1.0 + Math.Exp(-a)) : Math.Exp(a) / (1.0 + Math.Exp(a));
}
