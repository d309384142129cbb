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
            float logZ = LogPartition(y, off, k);
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

    /// <summary>log sum_j exp(y[off + j]) over one row of K logits, the maximum subtracted first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LogPartition<T>(T y, int off, int k)
        where T : struct, IFloats
    {
        float max = y[off];
        for (int j = 1; j < k; j++) max = XMath.Max(max, y[off + j]);
        float sum = 0f;
        for (int j = 0; j < k; j++) sum += XMath.Exp(y[off + j] - max);
        return max + XMath.Log(sum);
    }

    /// <summary>
    /// c ~ Categorical(softmax(y[off..off+K))) by inversion of <paramref name="u"/> in [0, 1): the first j
    /// with u &lt; p_0 + ... + p_j, and K - 1 when rounding leaves u above the partial sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SampleCategorical<T>(T y, int off, int k, float logZ, float u)
        where T : struct, IFloats
    {
        float cumulative = 0f;
        for (int j = 0; j < k - 1; j++)
        {
            cumulative += XMath.Exp(y[off + j] - logZ);
            if (u < cumulative) return j;
        }
        return k - 1;
    }

    /// <summary>
    /// Column idx = (r, sample) of the output factors (<see cref="CurvatureKernels.OutputFactors"/>), written once
    /// for the kernel and the native path. y is (N, K), S is (R, N, K), signs (R, N).
    /// Exact (R = K): CE S[r, s, j] = sqrt(p_r) (delta_rj - p_j) / sqrt(M), MSE sqrt(2/M) delta_rj.
    /// Sampled: CE (onehot(c) - p) / sqrt(M) with c ~ Categorical(p); MSE sqrt(2/M) e, e ~ N(0, I).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OutputFactor<T>(T y, T s, T signs, int idx, int n, int k, bool crossEntropy, float invM, int mode, ulong seed, ulong stream)
        where T : struct, IFloats
    {
        int r = idx / n, sample = idx - r * n;
        int yOff = sample * k, sOff = idx * k;
        signs[idx] = 1f;
        if (crossEntropy)
        {
            float logZ = LogPartition(y, yOff, k);
            float scale = XMath.Sqrt(invM);
            int hot = r;
            if (mode == CurvatureKernels.FactorExact)
                scale *= XMath.Sqrt(XMath.Exp(y[yOff + r] - logZ));
            else
                hot = SampleCategorical(y, yOff, k, logZ, RandomMath.Uniform(seed, stream, (ulong)idx));
            for (int j = 0; j < k; j++)
                s[sOff + j] = scale * ((j == hot ? 1f : 0f) - XMath.Exp(y[yOff + j] - logZ));
        }
        else
        {
            float scale = XMath.Sqrt(2f * invM);
            for (int j = 0; j < k; j++)
            {
                s[sOff + j] = mode == CurvatureKernels.FactorExact
                    ? (j == r ? scale : 0f)
                    : scale * RandomMath.Normal(seed, stream, (ulong)(sOff + j));
            }
        }
    }

    /// <summary>
    /// The R-operator of the loss gradient for column idx = (r, sample), written once for the kernel and the
    /// native path: R{g} = (d2L/dy2) R{y}. y is (N, K); R{y} and R{g} are (R, N, K).
    /// CE: p (R{y} - p . R{y}) / M (per sample, p = softmax(y)); MSE: 2 R{y} / M.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RLoss<T>(T y, T ry, T rg, int idx, int n, int k, bool crossEntropy, float invM)
        where T : struct, IFloats
    {
        int s = idx % n, yOff = s * k, off = idx * k;
        if (crossEntropy)
        {
            float logZ = LogPartition(y, yOff, k);
            float dot = 0f;
            for (int j = 0; j < k; j++) dot += XMath.Exp(y[yOff + j] - logZ) * ry[off + j];
            for (int j = 0; j < k; j++) rg[off + j] = XMath.Exp(y[yOff + j] - logZ) * (ry[off + j] - dot) * invM;
        }
        else
        {
            for (int j = 0; j < k; j++) rg[off + j] = 2f * invM * ry[off + j];
        }
    }
}
