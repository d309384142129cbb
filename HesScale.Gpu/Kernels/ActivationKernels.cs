using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>Elementwise activation kernels. a (input), z = s(a) (output) are (N, width); B stacks are (C, N, width).</summary>
internal static class ActivationKernels
{
    public static void Forward(ArrayView<float> a, ArrayView<float> z, int count, int kind, float slope)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < count; idx += stride)
            z[idx] = ActivationMath.Forward(kind, slope, a[idx]);
    }

    /// <summary>
    /// g_a = s'(a) g_z for the gradient channel; d_a = s'(a)^2 d_z + s''(a) g_z for curvature
    /// channels (the residual is dropped for HesScaleGN). All channels in one launch.
    /// </summary>
    public static void Backward(
        ArrayView<float> a, ArrayView<float> z, ArrayView<float> bz, ArrayView<float> ba,
        int count, int channels, int kind, float slope, int packedModes)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < count; idx += stride)
        {
            ActivationMath.Derivatives(kind, slope, a[idx], z[idx], out float d1, out float d2);
            float g = bz[idx];
            ba[idx] = d1 * g;
            float residual = d2 * g, d1Sq = d1 * d1;
            for (int c = 1; c < channels; c++)
            {
                int mode = Channels.ModeOf(packedModes, c);
                float d = d1Sq * bz[c * count + idx];
                if (Channels.KeepsResidual(mode)) d += residual;
                ba[c * count + idx] = d;
            }
        }
    }
}
