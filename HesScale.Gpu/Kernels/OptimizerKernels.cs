using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Fused optimizer updates, one pass per parameter tensor: read theta (len), its gradient and
/// curvature (len each, views into the result stack), update the moments (len each) and theta in place.
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>SGD with momentum and weight decay; buf (len) is the momentum buffer.</summary>
    public static void Sgd(ArrayView<float> theta, ArrayView<float> grad, ArrayView<float> buf, SgdParameters s)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < s.Length; i += stride)
        {
            float b = buf[i];
            float step = OptimizerMath.Sgd(grad[i], theta[i], ref b, s);
            buf[i] = b;
            theta[i] -= step;
        }
    }

    /// <summary>Adam / AdaHesScale / BL89: moments m, v (len) and theta -= u.</summary>
    public static void Adaptive(ArrayView<float> theta, ArrayView<float> grad, ArrayView<float> curv, ArrayView<float> m, ArrayView<float> v, AdaptiveParameters a)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < a.Length; i += stride)
        {
            float p = theta[i];
            float g = grad[i] + a.WeightDecay * p;
            float mi = m[i], vi = v[i];
            OptimizerMath.Moments(g, OptimizerMath.SecondMomentInput(g, curv[i], a.Source), ref mi, ref vi, a);
            m[i] = mi;
            v[i] = vi;
            theta[i] = p - OptimizerMath.Direction(mi, vi, a);
        }
    }

    /// <summary>
    /// First pass of a scaled step: moments m, v and (separate != 0, Scaled Adam) w = EMA(h^2), then
    /// partials[thread] = sum over this thread's elements of c u^2 with c = sqrt(w) (or sqrt(v)).
    /// partials has one slot per launched thread; theta is only read (weight decay).
    /// </summary>
    public static void ScaledMoments(ArrayView<float> theta, ArrayView<float> grad, ArrayView<float> curv, ArrayView<float> m, ArrayView<float> v,
        ArrayView<float> w, ArrayView<float> partials, int separate, AdaptiveParameters a)
    {
        int stride = Grid.DimX * Group.DimX;
        int thread = Grid.GlobalIndex.X;
        float acc = 0f;
        for (int i = thread; i < a.Length; i += stride)
        {
            float g = grad[i] + a.WeightDecay * theta[i];
            float h = curv[i];
            float mi = m[i], vi = v[i];
            OptimizerMath.Moments(g, OptimizerMath.SecondMomentInput(g, h, a.Source), ref mi, ref vi, a);
            m[i] = mi;
            v[i] = vi;
            float c2 = vi;
            if (separate != 0)
            {
                c2 = a.Beta2 * w[i] + (1f - a.Beta2) * h * h;
                w[i] = c2;
            }
            float u = OptimizerMath.Direction(mi, vi, a);
            acc += MathF.Sqrt(c2) * u * u;
        }
        partials[thread] = acc;
    }

    /// <summary>dst[i] = sum_k src[i + k parts] for i &lt; parts: a fixed-order (deterministic) partial reduction.</summary>
    public static void StridedSum(ArrayView<float> src, ArrayView<float> dst, int count, int parts)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < parts; i += stride)
        {
            float acc = 0f;
            for (int j = i; j < count; j += parts) acc += src[j];
            dst[i] = acc;
        }
    }

    /// <summary>scale[0] = min(alpha_max, sqrt(2 delta / sum(src[0..parts)))), by one thread in order.</summary>
    public static void ScaleFromSum(ArrayView<float> src, ArrayView<float> scale, int parts, float delta, float alphaMax)
    {
        if (Grid.GlobalIndex.X != 0) return;
        float sum = 0f;
        for (int j = 0; j < parts; j++) sum += src[j];
        scale[0] = OptimizerMath.Scale(sum, delta, alphaMax);
    }

    /// <summary>Second pass of a scaled step: theta -= scale[0] u with u from the updated m, v.</summary>
    public static void ScaledApply(ArrayView<float> theta, ArrayView<float> m, ArrayView<float> v, ArrayView<float> scale, AdaptiveParameters a)
    {
        int stride = Grid.DimX * Group.DimX;
        float alpha = scale[0];
        for (int i = Grid.GlobalIndex.X; i < a.Length; i += stride)
            theta[i] -= alpha * OptimizerMath.Direction(m[i], v[i], a);
    }
}
