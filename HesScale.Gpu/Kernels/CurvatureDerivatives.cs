using System.Runtime.CompilerServices;

namespace HesScale.Gpu.Kernels;

/// <summary>s'(a) and s''(a) from the pre-activation alone (the curvature passes do not read the stored outputs).</summary>
internal static class CurvatureDerivatives
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void At(int kind, float slope, float a, out float d1, out float d2) =>
        ActivationMath.Derivatives(kind, slope, a, ActivationMath.Forward(kind, slope, a), out d1, out d2);
}
