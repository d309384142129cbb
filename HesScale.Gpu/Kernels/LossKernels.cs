using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Loss kernel: one thread per sample runs <see cref="LossMath.Sample{T, TTargets}"/> (shared with the native
/// path): its loss share and the start of every backward channel at the output.
/// </summary>
internal static class LossKernels
{
    public static void Backward(
        ArrayView<float> y, ArrayView<float> targets, ArrayView<float> b, ArrayView<float> lossPerSample,
        int n, int k, int channels, int crossEntropy, float invM, int packedModes)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int s = Grid.GlobalIndex.X; s < n; s += stride)
            LossMath.Sample(new ViewFloats(y), new ViewFloats(targets), new ViewFloats(b), new ViewFloats(lossPerSample),
                s, n, k, channels, crossEntropy != 0, invM, packedModes);
    }

    /// <summary>Cross-entropy with class indices (N) in an int view: the device-resident path's targets.</summary>
    public static void BackwardClasses(
        ArrayView<float> y, ArrayView<int> classes, ArrayView<float> b, ArrayView<float> lossPerSample,
        int n, int k, int channels, float invM, int packedModes)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int s = Grid.GlobalIndex.X; s < n; s += stride)
            LossMath.Sample(new ViewFloats(y), new ClassFloats(classes), new ViewFloats(b), new ViewFloats(lossPerSample),
                s, n, k, channels, true, invM, packedModes);
    }
}
