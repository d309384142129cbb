using System.Runtime.CompilerServices;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// The backward pass carries C channels of shape [N, width] stacked channel-major ([C, N, width]):
/// channel 0 is the gradient g (multiplied by W and h), channels 1.. are curvature diagonals d
/// (multiplied by W^2 and h^2). Each curvature channel has a mode, packed 4 bits per channel
/// into one int so kernels take it as a scalar. The modes are the fused rows'
/// <see cref="CurvatureMethod.KernelMode"/> (constants here because kernels switch on them).
/// </summary>
internal static class Channels
{
    /// <summary>Hard limit: 1 gradient channel + 7 curvature channels fit the packed int.</summary>
    public const int Max = 8;

    public const int Gradient = 0;
    /// <summary>HesScale: exact output diagonal, keeps s''(a) g.</summary>
    public const int HesScale = 1;
    /// <summary>HesScaleGN: exact output diagonal, drops s''(a) g.</summary>
    public const int HesScaleGN = 2;
    /// <summary>BL89: target-class-only output term for cross-entropy, keeps s''(a) g.</summary>
    public const int BL89 = 3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ModeOf(int packed, int channel) => (packed >> (4 * channel)) & 0xF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool KeepsResidual(int mode) => mode != HesScaleGN;

    /// <summary>
    /// Loss-Hessian diagonal at the network output for one element: MSE 2/M; cross-entropy
    /// p (1 - p) / M, BL89 only at the target class (method.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float OutputCurvature(int mode, bool crossEntropy, float p, bool isTarget, float invM)
    {
        if (!crossEntropy) return 2f * invM;
        if (mode == BL89 && !isTarget) return 0f;
        return p * (1f - p) * invM;
    }

    /// <summary>Packs the modes of the requested methods (channels 1..) into one int.</summary>
    public static int Pack(IReadOnlyList<CurvatureMethod> methods)
    {
        if (methods.Count + 1 > Max) throw new ArgumentException($"At most {Max - 1} curvature channels are supported.", nameof(methods));
        int packed = 0;
        for (int i = 0; i < methods.Count; i++) packed |= methods[i].KernelMode << (4 * (i + 1));
        return packed;
    }
}
