using ILGPU;

namespace HesScale.Gpu.Kernels;

/// <summary>
/// Pearlmutter's R-operator, backward half (shapes as in <see cref="RForwardKernels"/>; g is the
/// ordinary gradient plane (N, width) at the same place, shared by all R directions).
/// </summary>
internal static class CurvatureRBackwardKernels
{
    /// <summary>R{g_a} = R{g_z} s'(a) + g_z s''(a) R{a}.</summary>
    public static void Activation(
        ArrayView<float> a, ArrayView<float> g, ArrayView<float> ra, ArrayView<float> rgz, ArrayView<float> rga,
        int columns, int count, int kind, float slope)
    {
        int total = columns * count;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int e = idx % count;
            CurvatureDerivatives.At(kind, slope, a[e], out float d1, out float d2);
            rga[idx] = rgz[idx] * d1 + g[e] * d2 * ra[idx];
        }
    }

    /// <summary>R{g_in}[r, s, i] = sum_o R{g}[r, s, o] W[o, i] + g[s, o] V[r, o, i].</summary>
    public static void LinearInput(
        ArrayView<float> rg, ArrayView<float> g, ArrayView<float> w, ArrayView<float> v, ArrayView<float> rgIn,
        int columns, int n, int inW, int outW)
    {
        int total = columns * n * inW;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int row = idx / inW, i = idx - row * inW;
            int r = row / n, s = row - r * n;
            int rgOff = row * outW, gOff = s * outW, vOff = r * outW * inW;
            float acc = 0f;
            for (int o = 0; o < outW; o++) acc += rg[rgOff + o] * w[o * inW + i] + g[gOff + o] * v[vOff + o * inW + i];
            rgIn[idx] = acc;
        }
    }

    /// <summary>
    /// (H v) for a Linear layer: HV[r, o, i] = sum_s R{g}[r, s, o] h[s, i] + g[s, o] R{h}[r, s, i];
    /// HVb[r, o] = sum_s R{g}[r, s, o]. The column i = in is the bias.
    /// </summary>
    public static void LinearWeight(
        ArrayView<float> rg, ArrayView<float> g, ArrayView<float> h, ArrayView<float> rh, ArrayView<float> hv, ArrayView<float> hvb,
        int columns, int n, int inW, int outW, int hasRh, int hasBias)
    {
        int cols = inW + (hasBias != 0 ? 1 : 0);
        int perColumn = outW * cols;
        int total = columns * perColumn;
        int stride = Grid.DimX * Group.DimX;
        for (int idx = Grid.GlobalIndex.X; idx < total; idx += stride)
        {
            int r = idx / perColumn, rest = idx - r * perColumn;
            int o = rest / cols, i = rest - o * cols;
            float acc = 0f;
            if (i == inW)
            {
                for (int s = 0; s < n; s++) acc += rg[(r * n + s) * outW + o];
                hvb[r * outW + o] = acc;
            }
            else
            {
                for (int s = 0; s < n; s++)
                {
                    acc += rg[(r * n + s) * outW + o] * h[s * inW + i];
                    if (hasRh != 0) acc += g[s * outW + o] * rh[(r * n + s) * inW + i];
                }
                hv[(r * outW + o) * inW + i] = acc;
            }
        }
    }
}
