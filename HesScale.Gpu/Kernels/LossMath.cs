using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace HesScale.Gpu.Kernels;

/// <summary>Float storage the loss math reads and writes: an ILGPU view in kernels, an array on the host.</summary>
internal interface IFloats
{
    float this[int index] { get; set; }
}

/// <summary><see cref="IFloats"/> over an ILGPU view (kernels).</summary>
internal readonly struct ViewFloats(ArrayView<float> view) : IFloats
{
    private readonly ArrayView<float> _view = view;

    public float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _view[index];
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => _view[index] = value;
    }
}

/// <summary>
/// Read-only <see cref="IFloats"/> over an application's class indices (int view) for the
/// device-resident cross-entropy loss: index i reads as the float class, exactly as the host
/// path stores it.
/// </summary>
internal readonly struct ClassFloats(ArrayView<int> view) : IFloats
{
    private readonly ArrayView<int> _view = view;

    public float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _view[index];
        set => throw new NotSupportedException("Class targets are read-only.");
    }
}

/// <summary><see cref="IFloats"/> over a host array (the native path).</summary>
internal readonly struct ArrayFloats(float[] array) : IFloats
{
    private readonly float[] _array = array;

    public float this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)] get => _array[index];
        [MethodImpl(MethodImplOptions.AggressiveInlining)] set => _array[index] = value;
    }
}

/// <summary>
/// One sample of the loss and the start of every backward channel, written once for the ILGPU
/// kernel (<see cref="LossKernels"/>) and the native path: the sample's loss share (already
/// divided by M), g = dL/dy and the output-Hessian diagonals of the curvature channels.
/// y is (N, K); targets are N class indices stored as floats (cross-entropy) or (N, K) values
/// (MSE); B is (C, N, K); lossPerSample is (N). A class index outside [0, K) (only possible
/// on the device-resident path, the host path validates first) gives NaN for that sample's
/// loss share and channels, so that reading the loss reports it.
/// </summary>
internal static class LossMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sample<T, TTargets>(T y, TTargets targets, T b, T lossPerSample, int s, int n, int k, int channels, bool crossEntropy, float invM, int packedModes)
        where T : struct, IFloats
        where TTargets : struct, IFloats
    {
        int off = s * k, plane = n * k;
        if (crossEntropy)
        {
            int t = (int)targets[s];
            if ((uint)t >= (uint)k)
            {
                lossPerSample[s] = float.NaN;
                for (int c = 0; c < channels; c++)
                    for (int j = 0; j < k; j++) b[c * plane + off + j] = float.NaN;
                return;
            }
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
