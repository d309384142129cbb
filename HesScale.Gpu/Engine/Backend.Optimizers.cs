using HesScale.Gpu.Kernels;

namespace HesScale.Gpu.Engine;

/// <summary>Optimizer updates (see <see cref="OptimizerKernels"/>); all buffers are one parameter tensor long unless said.</summary>
internal abstract partial class Backend
{
    /// <summary>Partial sums per thread fed into <see cref="ScaleFromPartials"/>, never more than this many after the first stage.</summary>
    public const int ReductionParts = 1024;

    /// <summary>theta -= SGD step; grad starts at <paramref name="gradOffset"/> in its buffer.</summary>
    public abstract void SgdStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer momentum, SgdParameters s);

    /// <summary>Adam-style step; curv (at <paramref name="curvOffset"/>) is ignored for Source = g^2.</summary>
    public abstract void AdaptiveStep(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, AdaptiveParameters a);

    /// <summary>How many partial-sum slots <see cref="ScaledMoments"/> writes for a tensor of <paramref name="length"/>.</summary>
    public abstract int PartialSlots(int length);

    /// <summary>
    /// Moments of a scaled step and the tensor's partial sums of c u^2 into
    /// partials[partialOffset .. partialOffset + PartialSlots(length)); w (Scaled Adam's EMA of h^2) may be null.
    /// </summary>
    public abstract void ScaledMoments(DeviceBuffer theta, DeviceBuffer grad, int gradOffset, DeviceBuffer curv, int curvOffset,
        DeviceBuffer m, DeviceBuffer v, DeviceBuffer? w, DeviceBuffer partials, int partialOffset, AdaptiveParameters a);

    /// <summary>scale[0] = min(alpha_max, sqrt(2 delta / sum(partials[0..count)))); scratch holds <see cref="ReductionParts"/> floats.</summary>
    public abstract void ScaleFromPartials(DeviceBuffer partials, int count, DeviceBuffer scratch, DeviceBuffer scale, float delta, float alphaMax);

    /// <summary>theta -= scale[0] u(m, v).</summary>
    public abstract void ScaledApply(DeviceBuffer theta, DeviceBuffer m, DeviceBuffer v, DeviceBuffer scale, AdaptiveParameters a);
}
