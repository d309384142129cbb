using System.Globalization;
using HesScale.Gpu;

namespace HesScale.Reference;

/// <summary>
/// Elementwise activations z = s(a) and their first and second derivatives, in double.
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

    public static double Value(LayerKind kind, double slope, double a) => kind switch
    {
        LayerKind.Tanh => Math.Tanh(a),
        LayerKind.Sigmoid => Sigmoid(a),
        LayerKind.ReLU => a > 0 ? a : 0.0,
        LayerKind.LeakyReLU => a > 0 ? a : slope * a,
        LayerKind.ELU => a > 0 ? a : EluAlpha * (Math.Exp(a) - 1.0),
        LayerKind.SELU => SeluScale * (a > 0 ? a : SeluAlpha * (Math.Exp(a) - 1.0)),
        LayerKind.Softplus => a > SoftplusThreshold ? a : Math.Log(1.0 + Math.Exp(a)),
        LayerKind.Identity => a,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an activation."),
    };

    /// <summary>s'(a).</summary>
    public static double First(LayerKind kind, double slope, double a) => kind switch
    {
        LayerKind.Tanh => 1.0 - Math.Tanh(a) * Math.Tanh(a),
        LayerKind.Sigmoid => Sigmoid(a) * (1.0 - Sigmoid(a)),
        LayerKind.ReLU => a > 0 ? 1.0 : 0.0,
        LayerKind.LeakyReLU => a > 0 ? 1.0 : slope,
        LayerKind.ELU => a > 0 ? 1.0 : EluAlpha * Math.Exp(a),
        LayerKind.SELU => SeluScale * (a > 0 ? 1.0 : SeluAlpha * Math.Exp(a)),
        LayerKind.Softplus => a > SoftplusThreshold ? 1.0 : Sigmoid(a),
        LayerKind.Identity => 1.0,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an activation."),
    };

    /// <summary>s''(a).</summary>
    public static double Second(LayerKind kind, double slope, double a)
    {
        switch (kind)
        {
            case LayerKind.Tanh:
            {
                double t = Math.Tanh(a);
                return -2.0 * t * (1.0 - t * t);
            }
            case LayerKind.Sigmoid:
            {
                double s = Sigmoid(a);
                return s * (1.0 - s) * (1.0 - 2.0 * s);
            }
            case LayerKind.ReLU:
            case LayerKind.LeakyReLU:
            case LayerKind.Identity:
                return 0.0;
            case LayerKind.ELU:
                return a > 0 ? 0.0 : EluAlpha * Math.Exp(a);
            case LayerKind.SELU:
                return a > 0 ? 0.0 : SeluScale * SeluAlpha * Math.Exp(a);
            case LayerKind.Softplus:
            {
                if (a > SoftplusThreshold) return 0.0;
                double s = Sigmoid(a);
                return s * (1.0 - s);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an activation.");
        }
    }

    /// <summary>Numerically stable logistic function.</summary>
    public static double Sigmoid(double a) => a >= 0 ? 1.0 / (1.0 + Math.Exp(-a)) : Math.Exp(a) / (1.0 + Math.Exp(a));
}
