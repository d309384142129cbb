using System.Runtime.CompilerServices;
using ILGPU.Algorithms;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Scalar activation calculus s(a), s'(a), s''(a), written once and called from the ILGPU
/// kernels and from the native CPU path. Kind is <see cref="LayerKind"/> as an int so that
/// kernels can switch on it; kinks follow PyTorch/BackPACK (relu'(0) = 0, elu uses a > 0).
/// </summary>
internal static class ActivationMath
{
    private const float SeluScale = 1.0507009873554804934193349852946f;
    private const float SeluAlpha = 1.6732632423543772848170429916717f;

    /// <summary>Whether s'' is 0 everywhere (ReLU, leaky ReLU, identity; <see cref="Derivatives"/> sets d2 = 0 for every a).</summary>
    public static bool SecondDerivativeIsZero(LayerKind kind) => kind is LayerKind.ReLU or LayerKind.LeakyReLU or LayerKind.Identity;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float a) => 1f / (1f + XMath.Exp(-a));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Forward(int kind, float slope, float a)
    {
        switch (kind)
        {
            case (int)LayerKind.Tanh: return XMath.Tanh(a);
            case (int)LayerKind.Sigmoid: return Sigmoid(a);
            case (int)LayerKind.ReLU: return a > 0f ? a : 0f;
            case (int)LayerKind.LeakyReLU: return a > 0f ? a : slope * a;
            case (int)LayerKind.ELU: return a > 0f ? a : XMath.Exp(a) - 1f;
            case (int)LayerKind.SELU: return a > 0f ? SeluScale * a : SeluScale * SeluAlpha * (XMath.Exp(a) - 1f);
            // PyTorch: linear above threshold 20; exp(a) is log(1 + e^a) to float precision below -15.
            case (int)LayerKind.Softplus: return a > 20f ? a : a < -15f ? XMath.Exp(a) : XMath.Log(1f + XMath.Exp(a));
            default: return a;
        }
    }

    /// <summary>
    /// First and second derivative at the pre-activation <paramref name="a"/>, reusing the stored
    /// output <paramref name="z"/> = s(a) where that saves a transcendental (tanh, sigmoid, elu, selu).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Derivatives(int kind, float slope, float a, float z, out float d1, out float d2)
    {
        switch (kind)
        {
            case (int)LayerKind.Tanh:
                d1 = 1f - z * z;
                d2 = -2f * z * d1;
                return;
            case (int)LayerKind.Sigmoid:
                d1 = z * (1f - z);
                d2 = d1 * (1f - 2f * z);
                return;
            case (int)LayerKind.ReLU:
                d1 = a > 0f ? 1f : 0f;
                d2 = 0f;
                return;
            case (int)LayerKind.LeakyReLU:
                d1 = a > 0f ? 1f : slope;
                d2 = 0f;
                return;
            case (int)LayerKind.ELU:
                // For a <= 0, z = e^a - 1, so e^a = z + 1.
                d1 = a > 0f ? 1f : z + 1f;
                d2 = a > 0f ? 0f : d1;
                return;
            case (int)LayerKind.SELU:
                // For a <= 0, z = scale alpha (e^a - 1), so scale alpha e^a = z + scale alpha.
                d1 = a > 0f ? SeluScale : z + SeluScale * SeluAlpha;
                d2 = a > 0f ? 0f : d1;
                return;
            case (int)LayerKind.Softplus:
                {
                    // PyTorch's threshold makes softplus exactly linear above 20.
                    float s = a > 20f ? 1f : Sigmoid(a);
                    d1 = s;
                    d2 = a > 20f ? 0f : s * (1f - s);
                    return;
                }
            default:
                d1 = 1f;
                d2 = 0f;
                return;
        }
    }
}
