using ILGPU;
using ILGPU.Algorithms;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Kernels of the factor-backpropagation methods (exact diagonal, GGN, GGN-MC, KFAC): per sample,
/// R signed columns S whose sum of sign * S S^T is the Hessian (or GGN) of the loss with respect
/// to one layer's values. Stacks are (R, N, width), signs are (R, N).
/// All kernels use grid-stride loops over their flat output index.
/// </summary>
internal static class CurvatureKernels
{
    /// <summary>Output factors: the exact symmetric factor of the loss Hessian.</summary>
    public const int FactorExact = 0;
    /// <summary>Output factors: Monte-Carlo columns (sampled labels for CE, Gaussian for MSE).</summary>
    public const int FactorSampled = 1;

    /// <summary>
    /// Columns at the network output, one thread per (column r, sample s), y is (N, K), S is (R, N, K).
    /// Exact (R = K): CE S[r, s, j] = sqrt(p_r) (delta_rj - p_j) / sqrt(M), MSE sqrt(2/M) delta_rj.
    /// Sampled: CE (onehot(c) - p) / sqrt(M) with c ~ Categorical(p); MSE sqrt(2/M) e, e ~ N(0, I).
    /// Every sign is +1 (the output Hessians are positive semi-definite). The per-column math is
    /// <see cref="LossMath.OutputFactor{T}"/>, shared with the native path.
    /// </summary>
    public static void OutputFactors(
        ArrayView<float> y, ArrayView<float> s, ArrayView<float> signs,
        int n, int k, int columns, int crossEntropy, float invM, int mode, ulong seed, ulong stream)
    {
        int total = columns * n;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
            LossMath.OutputFactor(new ViewFloats(y), new ViewFloats(s), new ViewFloats(signs), idx, n, k, crossEntropy != 0, invM, mode, seed, stream);
    }

    /// <summary>Sin[r, s, i] = sum_o S[r, s, o] W[o, i]: columns through a Linear layer (the Jacobian transpose).</summary>
    public static void ThroughLinear(
        ArrayView<float> sOut, ArrayView<float> w, ArrayView<float> sIn, int columns, int n, int inW, int outW)
    {
        int total = columns * n * inW;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / inW, i = idx - row * inW;
            int off = row * outW;
            float acc = 0f;
            for (int o = 0; o < outW; o++) acc += sOut[off + o] * w[o * inW + i];
            sIn[idx] = acc;
        }
    }

    /// <summary>
    /// Columns through an activation of width w: Sa[r] = s'(a) Sz[r] for the R existing columns;
    /// with <paramref name="residual"/> = 1, w more columns r = R + j carry the diagonal residual
    /// s''(a_j) g_z,j as sqrt|.| at unit j and its sign in signs[r, s]. a, g are (N, w).
    /// </summary>
    public static void ThroughActivation(
        ArrayView<float> a, ArrayView<float> g, ArrayView<float> sz, ArrayView<float> sa, ArrayView<float> signs,
        int columns, int residual, int n, int width, int kind, float slope)
    {
        int plane = n * width;
        int total = (columns + (residual != 0 ? width : 0)) * plane;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int r = idx / plane, e = idx - r * plane;
            CurvatureDerivatives.At(kind, slope, a[e], out float d1, out float d2);
            if (r < columns)
            {
                sa[idx] = d1 * sz[idx];
            }
            else
            {
                int sample = e / width, j = e - sample * width;
                if (j == r - columns)
                {
                    float value = d2 * g[e];
                    sa[idx] = XMath.Sqrt(XMath.Abs(value));
                    signs[r * n + sample] = value < 0f ? -1f : 1f;
                }
                else
                {
                    sa[idx] = 0f;
                }
            }
        }
    }

    /// <summary>q[s, o] = scale * sum_r signs[r, s] S[r, s, o]^2: the diagonal of the layer's Hessian (or GGN) per sample.</summary>
    public static void ColumnEnergy(
        ArrayView<float> sOut, ArrayView<float> signs, ArrayView<float> q, int columns, int n, int width, float scale)
    {
        int plane = n * width;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < plane; idx += stride)
        {
            int sample = idx / width;
            float acc = 0f;
            for (int r = 0; r < columns; r++)
            {
                float v = sOut[r * plane + idx];
                acc += signs[r * n + sample] * v * v;
            }
            q[idx] = scale * acc;
        }
    }

    /// <summary>
    /// KFAC diagonal of a Linear layer: dW[o, i] = G[o, o] A[i, i] with G = sum_s q[s, :] (the MC
    /// GGN of the outputs, already divided by M) and A = (1/N) sum_s h h^T; db[o] = G[o, o].
    /// </summary>
    public static void KfacWeight(
        ArrayView<float> q, ArrayView<float> h, ArrayView<float> dW, ArrayView<float> db, int n, int inW, int outW, int hasBias)
    {
        int cols = inW + (hasBias != 0 ? 1 : 0);
        int total = outW * cols;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int o = idx / cols, i = idx - o * cols;
            float gDiag = 0f;
            for (int s = 0; s < n; s++) gDiag += q[s * outW + o];
            if (i == inW)
            {
                db[o] = gDiag;
            }
            else
            {
                float aDiag = 0f;
                for (int s = 0; s < n; s++)
                {
                    float hv = h[s * inW + i];
                    aDiag += hv * hv;
                }
                dW[o * inW + i] = gDiag * aDiag / n;
            }
        }
    }

    /// <summary>Rademacher directions: v[i] = +-1 for i in [0, count), element i of the stream.</summary>
    public static void Rademacher(ArrayView<float> v, int count, ulong seed, ulong stream)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < count; idx += stride)
            v[idx] = RandomMath.Rademacher(seed, stream, (ulong)idx);
    }

    /// <summary>diag[j] = scale * sum_r v[r, j] hv[r, j] (Hutchinson's v * (H v), averaged); v, hv are (R, length).</summary>
    public static void ProductMean(ArrayView<float> v, ArrayView<float> hv, ArrayView<float> diag, int columns, int length, float scale)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < length; idx += stride)
        {
            float acc = 0f;
            for (int r = 0; r < columns; r++) acc += v[r * length + idx] * hv[r * length + idx];
            diag[idx] = scale * acc;
        }
    }

    /// <summary>dst[dstOffset + i] = src[srcOffset + i]^p for i in [0, count), p = 1 or 2.</summary>
    public static void CopyPower(ArrayView<float> src, ArrayView<float> dst, int srcOffset, int dstOffset, int count, int squared)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < count; idx += stride)
        {
            float v = src[srcOffset + idx];
            dst[dstOffset + idx] = squared != 0 ? v * v : v;
        }
    }
}
