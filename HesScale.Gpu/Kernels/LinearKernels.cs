using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Linear layer kernels (simple versions: one thread per output element, grid-stride loop).
/// Shapes: x, h are (N, in); W is (out, in); b is (out); B is the channel stack (C, N, out).
/// </summary>
internal static class LinearKernels
{
    /// <summary>y = x W^T + b. y is (N, out).</summary>
    public static void Forward(
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int n, int inW, int outW, int hasBias)
    {
        int total = n * outW;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / outW, o = idx - row * outW;
            int xOff = row * inW, wOff = o * inW;
            float acc = hasBias != 0 ? b[o] : 0f;
            for (int i = 0; i < inW; i++) acc += x[xOff + i] * w[wOff + i];
            y[idx] = acc;
        }
    }

    /// <summary>
    /// Fused Linear + bias + activation: a = x W^T + b and z = s(a) in one launch, both stored
    /// (a for the activation's derivatives in backward, z as the next layer's input).
    /// </summary>
    public static void ForwardActivation(
        ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> a, ArrayView<float> z,
        int n, int inW, int outW, int hasBias, int kind, float slope)
    {
        int total = n * outW;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / outW, o = idx - row * outW;
            int xOff = row * inW, wOff = o * inW;
            float acc = hasBias != 0 ? b[o] : 0f;
            for (int i = 0; i < inW; i++) acc += x[xOff + i] * w[wOff + i];
            a[idx] = acc;
            z[idx] = ActivationMath.Forward(kind, slope, acc);
        }
    }

    /// <summary>
    /// Backpropagates every channel through W in one launch: Bin[c] = B[c] W for the first
    /// <paramref name="linearChannels"/> channels (the gradient), B[c] W^2 for the rest
    /// (HesScale's diagonal recursion drops the off-diagonal terms). Bin is (C, N, in).
    /// </summary>
    public static void BackwardInput(
        ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> bIn,
        int n, int inW, int outW, int channels, int linearChannels)
    {
        int perChannel = n * inW;
        int total = channels * perChannel;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int c = idx / perChannel, rest = idx - c * perChannel;
            int row = rest / inW, i = rest - row * inW;
            int bOff = (c * n + row) * outW;
            float acc = 0f;
            if (c < linearChannels)
            {
                for (int o = 0; o < outW; o++) acc += bOut[bOff + o] * w[o * inW + i];
            }
            else
            {
                for (int o = 0; o < outW; o++)
                {
                    float wv = w[o * inW + i];
                    acc += bOut[bOff + o] * wv * wv;
                }
            }
            bIn[idx] = acc;
        }
    }

    /// <summary>
    /// <see cref="BackwardInput"/> written through the activation before the layer (forward order
    /// a -> z = s(a) -> this Linear), so the stack at z is never stored whole: per element (s, i),
    /// g_z = sum_o B[0, s, o] W[o, i] and d_z[c] = sum_o B[c, s, o] W[o, i]^2, then
    /// Bin[0] = s'(a) g_z and Bin[c] = s'(a)^2 d_z[c] + s''(a) g_z (the residual per mode, as
    /// <see cref="ActivationKernels.Backward"/>). g_z also goes to <paramref name="gz"/> (N, in): the
    /// estimators read dL/dz. Channel 0 is the gradient. a, z, gz are (N, in); Bin is (C, N, in).
    /// One thread per (s, i) carries every channel, since the curvature channels need its g_z.
    /// </summary>
    public static void BackwardInputActivation(
        ArrayView<float> bOut, ArrayView<float> w, ArrayView<float> a, ArrayView<float> z, ArrayView<float> gz, ArrayView<float> bIn,
        int n, int inW, int outW, int channels, int kind, float slope, int packedModes)
    {
        int count = n * inW;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < count; idx += stride)
        {
            int row = idx / inW, i = idx - row * inW;
            ActivationMath.Derivatives(kind, slope, a[idx], z[idx], out float d1, out float d2);
            float g = 0f;
            for (int o = 0; o < outW; o++) g += bOut[row * outW + o] * w[o * inW + i];
            gz[idx] = g;
            bIn[idx] = d1 * g;
            float residual = d2 * g, d1Sq = d1 * d1;
            for (int c = 1; c < channels; c++)
            {
                int bOff = (c * n + row) * outW;
                float acc = 0f;
                for (int o = 0; o < outW; o++)
                {
                    float wv = w[o * inW + i];
                    acc += bOut[bOff + o] * wv * wv;
                }
                float d = d1Sq * acc;
                if (Channels.KeepsResidual(Channels.ModeOf(packedModes, c))) d += residual;
                bIn[c * count + idx] = d;
            }
        }
    }

    /// <summary>
    /// Parameter quantities of every channel in one launch: dW[c, o, i] = sum_n B[c, n, o] h[n, i]^p
    /// with p = 1 for linear channels and 2 for curvature ones; the extra column i = in is the
    /// bias, db[c, o] = sum_n B[c, n, o]. dW is (C, out, in), db is (C, out).
    /// </summary>
    public static void BackwardWeight(
        ArrayView<float> bOut, ArrayView<float> h, ArrayView<float> dW, ArrayView<float> db,
        int n, int inW, int outW, int channels, int linearChannels, int hasBias)
    {
        int cols = inW + (hasBias != 0 ? 1 : 0);
        int perChannel = outW * cols;
        int total = channels * perChannel;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int c = idx / perChannel, rest = idx - c * perChannel;
            int o = rest / cols, i = rest - o * cols;
            int bBase = c * n * outW + o;
            float acc = 0f;
            if (i == inW)
            {
                for (int s = 0; s < n; s++) acc += bOut[bBase + s * outW];
                db[c * outW + o] = acc;
            }
            else
            {
                if (c < linearChannels)
                {
                    for (int s = 0; s < n; s++) acc += bOut[bBase + s * outW] * h[s * inW + i];
                }
                else
                {
                    for (int s = 0; s < n; s++)
                    {
                        float hv = h[s * inW + i];
                        acc += bOut[bBase + s * outW] * hv * hv;
                    }
                }
                dW[(c * outW + o) * inW + i] = acc;
            }
        }
    }
}
