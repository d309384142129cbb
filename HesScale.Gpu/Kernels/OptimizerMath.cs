using System.Runtime.CompilerServices;

// ILGPU's CPU simulator builds kernel launchers in a dynamic assembly named ILGPURuntime; it must
// see the internal parameter structs below.
[assembly: InternalsVisibleTo("ILGPURuntime")]

namespace HesScale.Gpu.Kernels;

/// <summary>Scalars of an SGD step (PyTorch semantics, dampening 0, no Nesterov).</summary>
internal struct SgdParameters
{
    public int Length;
    /// <summary>1 on the first step: the momentum buffer starts as the gradient.</summary>
    public int First;
    public float LearningRate;
    public float Momentum;
    public float WeightDecay;
}

/// <summary>
/// Scalars of an Adam-style step at step t. Source of the second moment: 0 = g^2 (Adam),
/// 1 = h^2 (AdaHesScale, AdaHessian, AdaGGNMC), 2 = |h| (the official code's BL89 optimizer,
/// whose denominator then has no square root: Root = 0).
/// </summary>
internal struct AdaptiveParameters
{
    public int Length;
    public int Source;
    public int Root;
    public float Beta1;
    public float Beta2;
    public float Epsilon;
    public float WeightDecay;
    /// <summary>lr / (1 - b1^t).</summary>
    public float StepSize;
    /// <summary>1 / (1 - b2^t).</summary>
    public float InvBiasCorrection2;
}

/// <summary>Per-element optimizer math shared by the ILGPU kernels and the native loops.</summary>
internal static class OptimizerMath
{
    public const int SourceGradientSquared = 0;
    public const int SourceCurvatureSquared = 1;
    public const int SourceCurvatureAbs = 2;

    /// <summary>d = g + wd theta; buf = first ? d : mu buf + d (when mu != 0); returns the step lr * (buf or d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sgd(float g, float theta, ref float buf, SgdParameters s)
    {
        float d = g + s.WeightDecay * theta;
        if (s.Momentum != 0f)
        {
            buf = s.First != 0 ? d : s.Momentum * buf + d;
            d = buf;
        }
        return s.LearningRate * d;
    }

    /// <summary>Second-moment input: g^2, h^2 or |h| as <see cref="AdaptiveParameters.Source"/> says.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SecondMomentInput(float g, float h, int source) => source switch
    {
        SourceGradientSquared => g * g,
        SourceCurvatureSquared => h * h,
        _ => h < 0f ? -h : h,
    };

    /// <summary>m = b1 m + (1-b1) g and v = b2 v + (1-b2) q, in place; g includes weight decay.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Moments(float g, float q, ref float m, ref float v, AdaptiveParameters a)
    {
        m = a.Beta1 * m + (1f - a.Beta1) * g;
        v = a.Beta2 * v + (1f - a.Beta2) * q;
    }

    /// <summary>u = (lr / (1 - b1^t)) m / (sqrt(v / (1 - b2^t)) + eps), or v / (1 - b2^t) + eps without the root.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Direction(float m, float v, AdaptiveParameters a)
    {
        float corrected = v * a.InvBiasCorrection2;
        float denominator = (a.Root != 0 ? MathF.Sqrt(corrected) : corrected) + a.Epsilon;
        return a.StepSize * m / denominator;
    }

    /// <summary>alpha = min(alpha_max, sqrt(2 delta / s)); alpha_max when s is 0 (no predicted change).</summary>
    public static float Scale(float sum, float delta, float alphaMax)
    {
        if (!(sum > 0f)) return sum == 0f ? alphaMax : sum; // NaN stays NaN: a diverged step is not hidden
        float alpha = MathF.Sqrt(2f * delta / sum);
        return alpha < alphaMax ? alpha : alphaMax;
    }
}
