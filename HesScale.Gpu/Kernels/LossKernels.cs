using ILGPU;
using ILGPU.Algorithms;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Loss kernels: one thread per sample writes its loss share (already divided by M) and starts
/// every backward channel at the output: g = dL/dy and the output-Hessian diagonals.
/// y is (N, K); targets are N class indices stored as floats (cross-entropy) or (N, K) values
/// (MSE); B is (C, N, K); lossPerSample is (N).
/// </summary>
internal static class LossKernels
{
    public static void Backward(
        ArrayView<float> y, ArrayView<float> targets, ArrayView<float> b, ArrayView<float> lossPerSample,
        int n, int k, int channels, int crossEntropy, float invM, int packedModes)
    {
        int stride = Grid.DimX * Group.DimX;
        int plane = n * k;
        for (int s = Grid.GlobalIndex.X; s < n; s += stride)
        {
            int off = s * k;
            if (crossEntropy != 0)
            {
                int t = (int)targets[s];
                float max = y[off];
                for (int j = 1; j < k; j++) max = XMath.Max(max, y[off + j]);
                float sum = 0f;
                for (int j = 0; j < k; j++) sum += XMath.Exp(y[off + j] - max);
                float logZ = max + XMath.Log(sum);
                lossPerSample[s] = (logZ - y[off + t]) * invM;
                for (int j = 0; j < k; j++)
                {
                    float p = XMath.Exp(y[off + j] - logZ);
                    b[off + j] = (p - (j == t ? 1f : 0f)) * invM;
                    for (int c = 1; c < channels; c++)
                        b[c * plane + off + j] = Channels.OutputCurvature(Channels.ModeOf(packedModes, c), true, p, j == t, invM);
                }
            }
            else
            {
                float acc = 0f;
                for (int j = 0; j < k; j++)
                {
                    float diff = y[off + j] - targets[off + j];
                    acc += diff * diff;
                    b[off + j] = 2f * diff * invM;
                    for (int c = 1; c < channels; c++)
                        b[c * plane + off + j] = Channels.OutputCurvature(Channels.ModeOf(packedModes, c), false, 0f, false, invM);
                }
                lossPerSample[s] = acc * invM;
            }
        }
    }
}
